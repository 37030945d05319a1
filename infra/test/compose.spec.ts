import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelsFile } from '@tokenscope/config';
import { parse } from 'yaml';
import { expectToolSuccess, INFRA_DIR, REPO_DIR, runTool } from './support/tools.js';
import { APP_ENTRY, APP_NODE_FLAGS, appEnv } from '../lib/app-runtime.mjs';
import { loadSlos } from '../lib/slo-rules.mjs';
import { durationSeconds } from './support/rules.js';

const COMPOSE_FILE = join(REPO_DIR, 'docker-compose.yml');
const GPU_ENV = join(INFRA_DIR, 'compose', 'gpu.env');
const APPS: Record<string, number> = { gateway: 8000, quality: 8001, 'gpu-agent': 9400 };

interface ComposeService {
  image?: string;
  command?: string[];
  build?: { context: string; args?: Record<string, string> };
  environment?: Record<string, string | null>;
  volumes?: Array<{ source?: string; target: string } | string>;
  profiles?: string[];
  ports?: Array<{ published?: number | string; target: number } | string>;
  runtime?: string;
  healthcheck?: unknown;
  deploy?: { resources?: { reservations?: { devices?: Array<{ driver?: string; capabilities?: string[] }> } } };
}

/** The compose file as docker-compose 1.29 resolves it (anchors merged, variables interpolated). */
function resolvedCompose(extraArgs: string[] = []): { services: Record<string, ComposeService> } {
  const env = { ...process.env };
  // the developer's own settings must not leak into what is checked
  for (const key of ['LLM_BACKEND', 'MODELS_FILE', 'GPU_AGENT_RUNTIME', 'COMPOSE_PROFILES', 'ALERT_WEBHOOK_URL']) delete env[key];
  const run = runTool('docker-compose', [...extraArgs, '-f', COMPOSE_FILE, 'config'], { env });
  expectToolSuccess(run, 'docker-compose config');
  return parse(run.stdout) as { services: Record<string, ComposeService> };
}

function mountSources(service: ComposeService): string[] {
  return (service.volumes ?? []).map((volume) => (typeof volume === 'string' ? volume.split(':')[0]! : (volume.source ?? '')));
}

describe('docker-compose.yml', () => {
  it("validates with Debian's docker-compose (config -q)", () => {
    expectToolSuccess(runTool('docker-compose', ['-f', COMPOSE_FILE, 'config', '-q']), 'docker-compose config -q');
  });

  it('validates with the gpu profile and its env file', () => {
    expectToolSuccess(runTool('docker-compose', ['--env-file', GPU_ENV, '--profile', 'gpu', '-f', COMPOSE_FILE, 'config', '-q']), 'docker-compose --profile gpu config -q');
  });

  it('runs the three apps from the Dockerfile, on Redis, sending traces to Jaeger over OTLP', () => {
    const { services } = resolvedCompose();
    for (const name of ['redis', 'gateway', 'quality', 'gpu-agent', 'prometheus', 'alertmanager', 'grafana', 'jaeger']) expect(Object.keys(services)).toContain(name);
    for (const [app, port] of Object.entries(APPS)) {
      const service = services[app]!;
      expect(service.build?.args).toEqual({ APP: app, PORT: String(port) });
      expect(service.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
      expect(service.environment?.REDIS_URL).toBe('redis://redis:6379');
      // the same prefix everywhere, or the quality service listens on another queue
      expect(service.environment?.QUEUE_PREFIX).toBe('tokenscope');
    }
    expect(services.gateway!.environment?.LLM_BACKEND).toBe('simulator');
    expect(services.jaeger!.environment?.COLLECTOR_OTLP_ENABLED).toBe('true');
  });

  it("mounts the repo's Prometheus, Alertmanager and Grafana configuration", () => {
    const { services } = resolvedCompose();
    expect(mountSources(services.prometheus!)).toContain(join(INFRA_DIR, 'prometheus'));
    expect(mountSources(services.alertmanager!)).toContain(join(INFRA_DIR, 'alertmanager'));
    expect(mountSources(services.grafana!)).toEqual(expect.arrayContaining([join(INFRA_DIR, 'grafana', 'provisioning'), join(INFRA_DIR, 'grafana', 'dashboards')]));
  });

  it("keeps Prometheus's samples at least as long as the longest SLO window (30 days)", () => {
    const { services } = resolvedCompose();
    const retention = (services.prometheus!.command ?? []).map((arg) => /^--storage\.tsdb\.retention\.time=(\w+)$/.exec(arg)?.[1]).find(Boolean);
    const longest = Math.max(...loadSlos().map((slo) => durationSeconds(slo.window)));
    expect(longest).toBe(30 * 86_400);
    expect(durationSeconds(retention ?? '15d')).toBeGreaterThanOrEqual(longest);
  });

  it('puts vLLM on a GPU in the gpu profile, the gateway in front of it and the GPU agent on the NVIDIA runtime', () => {
    const { services } = resolvedCompose(['--env-file', GPU_ENV, '--profile', 'gpu']);
    expect(services.vllm!.profiles).toEqual(['gpu']);
    expect(services.vllm!.deploy?.resources?.reservations?.devices?.[0]).toMatchObject({ driver: 'nvidia', capabilities: ['gpu'] });
    expect(services['gpu-agent']!.runtime).toBe('nvidia');
    expect(services['gpu-agent']!.environment?.NVIDIA_VISIBLE_DEVICES).toBe('all');
    // GPU time is priced for the model those GPUs serve
    const served = parseModelsFile(readFileSync(join(INFRA_DIR, 'compose', 'models.vllm.yaml'), 'utf8'), 'models.vllm.yaml').models.map((m) => m.name);
    expect(served).toContain(services['gpu-agent']!.environment?.GPU_AGENT_MODEL);
    expect(services.gateway!.environment?.LLM_BACKEND).toBe('openai');
    // the gateway reads MODELS_FILE inside its container, from the infra/compose mount
    const modelsFile = services.gateway!.environment?.MODELS_FILE ?? '';
    expect(modelsFile.startsWith('/etc/tokenscope/')).toBe(true);
    expect(existsSync(join(INFRA_DIR, 'compose', modelsFile.slice('/etc/tokenscope/'.length)))).toBe(true);
  });

  it("gives the gpu profile a valid MODELS_FILE that names vLLM's served model", () => {
    const path = join(INFRA_DIR, 'compose', 'models.vllm.yaml');
    const models = parseModelsFile(readFileSync(path, 'utf8'), path);
    const compose = readFileSync(COMPOSE_FILE, 'utf8');
    for (const model of models.models) {
      expect(model.upstream_url).toBe('http://vllm:8000');
      expect(compose).toContain(`- ${model.upstream_model}`);
    }
  });
});

describe('docker-compose.yml at scale (--scale gateway=3 --scale quality=2)', () => {
  const SCALED: Record<string, number> = { gateway: APPS.gateway!, quality: APPS.quality! };

  it('publishes no host port on the scaled apps (a second replica could not bind it)', () => {
    const { services } = resolvedCompose();
    for (const app of Object.keys(SCALED)) {
      expect(services[app]!.ports ?? []).toEqual([]);
      // no fixed name either: compose would refuse a second container with it
      expect(services[app]).not.toHaveProperty('container_name');
    }
  });

  it('puts one proxy in front of every replica, on the ports clients used before', () => {
    const { services } = resolvedCompose();
    const proxy = services.proxy!;
    const published = (proxy.ports ?? []).map((port) => (typeof port === 'string' ? port : `${port.published}:${port.target}`));
    expect(published).toEqual(Object.values(SCALED).map((port) => `${port}:${port}`));
    expect(mountSources(proxy)).toContain(join(INFRA_DIR, 'nginx', 'tokenscope.conf'));
    const conf = readFileSync(join(INFRA_DIR, 'nginx', 'tokenscope.conf'), 'utf8');
    // resolved per request through Docker's DNS, so replicas scaled in later get traffic
    expect(conf).toMatch(/^resolver 127\.0\.0\.11 valid=\d+s/m);
    for (const [app, port] of Object.entries(SCALED)) {
      const server = new RegExp(`listen ${port};\\s+location / \\{(?:\\s+#.*)*\\s+set \\$(\\w+) http://${app}:${port};\\s+proxy_pass \\$\\1;`);
      expect(conf).toMatch(server);
    }
    // streams are relayed as they come
    expect(conf).toMatch(/^proxy_buffering off;$/m);
  });

  it('has Prometheus discover every replica by DNS (type A) under the job names the rules read', () => {
    const config = parse(readFileSync(join(INFRA_DIR, 'prometheus', 'prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ job_name: string; static_configs?: unknown; dns_sd_configs?: Array<{ names: string[]; type: string; port: number }> }>;
    };
    for (const [app, port] of Object.entries(SCALED)) {
      const job = config.scrape_configs.find((j) => j.job_name === app);
      expect(job?.static_configs).toBeUndefined();
      expect(job?.dns_sd_configs).toEqual([expect.objectContaining({ names: [app], type: 'A', port })]);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(REPO_DIR, 'Dockerfile'), 'utf8');

  it('builds on Node 24 slim with npm ci, prunes to production dependencies and runs as a non-root user with a health check', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24[\w.-]*-slim$/m);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\\\n\s+CMD .*\/healthz/m);
    // tracing is loaded before the app, with the flags and environment of infra/lib/app-runtime.mjs
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(cmd).toEqual(['node', ...APP_NODE_FLAGS, ...APP_ENTRY]);
    for (const [name, value] of Object.entries(appEnv({}))) expect(dockerfile).toMatch(new RegExp(`^\\s+${name}=${value} \\\\$`, 'm'));
  });

  it('copies every workspace manifest that npm ci needs', () => {
    const rootPackage = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { workspaces: string[] };
    const folders = rootPackage.workspaces.flatMap((workspace) =>
      workspace.endsWith('/*')
        ? readdirSync(join(REPO_DIR, workspace.slice(0, -2)))
            .map((name) => `${workspace.slice(0, -2)}/${name}`)
            .filter((folder) => existsSync(join(REPO_DIR, folder, 'package.json')))
        : [workspace],
    );
    const notCopied = folders.filter((folder) => {
      const parent = folder.split('/').slice(0, -1).join('/');
      const copiesWholeParent = parent !== '' && new RegExp(`^COPY ${parent}/ ${parent}/$`, 'm').test(dockerfile);
      return !copiesWholeParent && !dockerfile.includes(`COPY ${folder}/package.json ${folder}/`);
    });
    expect(notCopied).toEqual([]);
    const dockerignore = readFileSync(join(REPO_DIR, '.dockerignore'), 'utf8');
    expect(dockerignore).toMatch(/^!infra\/package\.json$/m);
  });
});
