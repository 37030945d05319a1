import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { dashboardFiles, GRAFANA_DASHBOARD_LABEL } from '../lib/kubernetes-manifests.mjs';
import { RULES_DIR } from '../lib/local-stack.mjs';
import { expectToolSuccess, hasBinary, REPO_DIR, runTool } from './support/tools.js';

const KUBERNETES_DIR = join(REPO_DIR, 'deploy', 'kubernetes');
const OVERLAYS = ['simulator', 'vllm-gpu'];
/** The apps, their ports, and the scrape job name the alert rules read (infra/prometheus/rules). */
const APPS = { gateway: 8000, quality: 8001, 'gpu-agent': 9400 } as const;
type AppName = keyof typeof APPS;
const SERVING_APPS: AppName[] = ['gateway', 'quality'];

// Without kubectl nothing here can run. On a developer machine that is a skip with a reason; in
// CI (CI=true, as .ci/run and every CI service set it) it is a failure: a skipped check there
// would pass unnoticed.
const kubectlMissing = !hasBinary('kubectl') && process.env.CI !== 'true';
if (kubectlMissing) {
  process.stderr.write('infra/test/kubernetes.spec.ts: SKIPPED, kubectl is not on PATH (it renders the kustomize overlays); install kubectl 1.27+ to run it\n');
}
const describeWithKubectl = kubectlMissing ? describe.skip : describe;

// rendered manifests are plain data, checked field by field: `any` below is on purpose
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [key: string]: any };

function render(dir: string): K8sObject[] {
  const run = runTool('kubectl', ['kustomize', dir]);
  expectToolSuccess(run, `kubectl kustomize ${dir}`);
  return parseAllDocuments(run.stdout)
    .map((doc) => doc.toJS() as K8sObject)
    .filter(Boolean);
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0]!;
}

function selects(matchLabels: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const wanted = Object.entries(matchLabels ?? {});
  return wanted.length > 0 && wanted.every(([key, value]) => labels?.[key] === value);
}

/** JSON with object keys sorted, so that two documents differing only in key order compare equal. */
function canonical(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sorted(value));
}

/** The model class of kubernetes-models for an object's apiVersion and kind. */
async function modelClass(apiVersion: string, kind: string): Promise<any> {
  const module = apiVersion.startsWith('monitoring.coreos.com/')
    ? await import(`@kubernetes-models/prometheus-operator/${apiVersion}`)
    : await import(`kubernetes-models/${apiVersion}`);
  return (module as Record<string, unknown>)[kind];
}

/** The environment a container starts with: its ConfigMap and Secret refs, then its own env. */
function containerEnv(objects: K8sObject[], container: any): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, find(objects, 'ConfigMap', from.configMapRef.name).data);
    if (from.secretRef) {
      const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === from.secretRef.name);
      for (const key of Object.keys(secret?.data ?? {})) env[key] = '(secret)';
    }
  }
  for (const variable of container.env ?? []) env[variable.name] = variable.value ?? '(from a reference)';
  return env;
}

/** Service DNS name (bare, same namespace) or a URL's host:port → the Service behind it. */
function serviceAt(objects: K8sObject[], url: string): { service: K8sObject; port: number } {
  const { hostname, port } = new URL(url);
  const service = find(objects, 'Service', hostname);
  return { service, port: Number(port) };
}

function workload(objects: K8sObject[], app: AppName): K8sObject {
  return find(objects, app === 'gpu-agent' ? 'DaemonSet' : 'Deployment', app);
}

describeWithKubectl.each(OVERLAYS)('deploy/kubernetes/overlays/%s', (overlay) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = render(join(KUBERNETES_DIR, 'overlays', overlay));
  });

  it('renders with kubectl kustomize, and every object validates against the Kubernetes and prometheus-operator schemas', async () => {
    expect(objects.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const object of objects) {
      const Model = await modelClass(object.apiVersion, object.kind);
      if (typeof Model !== 'function') {
        problems.push(`${object.apiVersion} ${object.kind} ${object.metadata.name}: no schema`);
        continue;
      }
      try {
        new Model(object).validate();
      } catch (error) {
        problems.push(`${object.kind} ${object.metadata.name}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
    // one namespace for everything namespaced
    expect(new Set(objects.filter((o) => o.kind !== 'Namespace').map((o) => o.metadata.namespace))).toEqual(new Set(['tokenscope']));
  });

  it.each(SERVING_APPS)('runs %s as a Deployment of 2+ replicas, ready on /readyz and live on /healthz of its port, with requests and limits', (app) => {
    const deployment = find(objects, 'Deployment', app);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    // a rolling update never takes a serving replica away before its successor is ready
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(selects(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    const port = container.ports.find((p: any) => p.containerPort === APPS[app]);
    expect(port?.name).toBe('http');
    expect(containerEnv(objects, container)[app === 'gateway' ? 'GATEWAY_PORT' : 'QUALITY_PORT']).toBe(String(APPS[app]));
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    for (const kind of ['requests', 'limits']) {
      expect(container.resources[kind]).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
    }
  });

  it.each(Object.keys(APPS) as AppName[])('runs %s as non-root (numeric uid) on a read-only root filesystem, /tmp on an emptyDir', (app) => {
    const pod = workload(objects, app).spec.template.spec;
    const [container] = pod.containers;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    // the image says `USER node`: the kubelet refuses runAsNonRoot unless the uid is numeric
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const tmp = container.volumeMounts.find((m: any) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v: any) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(container.image).toMatch(new RegExp(`^tokenscope/${app}:`));
  });

  it.each(SERVING_APPS)('gives %s a preStop pause and a grace period covering SHUTDOWN_DELAY_MS + SHUTDOWN_DRAIN_MS', (app) => {
    const pod = find(objects, 'Deployment', app).spec.template.spec;
    const [container] = pod.containers;
    const command: string[] = container.lifecycle.preStop.exec.command;
    expect(command[0]).toBe('sleep');
    const preStopSeconds = Number(command[1]);
    expect(preStopSeconds).toBeGreaterThan(0);
    const env = containerEnv(objects, container);
    const delayMs = Number(env.SHUTDOWN_DELAY_MS);
    const drainMs = Number(env.SHUTDOWN_DRAIN_MS);
    // readiness must turn 503 before the listener closes (the app's own delay), and the drain
    // must be long enough for a stream
    expect(delayMs).toBeGreaterThan(0);
    expect(drainMs).toBeGreaterThanOrEqual(10_000);
    // the kubelet kills the container at the end of the grace period, preStop included
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStopSeconds + (delayMs + drainMs) / 1000);
  });

  it.each(SERVING_APPS)('keeps %s available through voluntary disruptions (a PodDisruptionBudget on its pods)', (app) => {
    const deployment = find(objects, 'Deployment', app);
    const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget' && selects(o.spec.selector.matchLabels, deployment.spec.template.metadata.labels));
    expect(budgets).toHaveLength(1);
    const [budget] = budgets;
    const allowedDown = budget!.spec.maxUnavailable ?? deployment.spec.replicas - budget!.spec.minAvailable;
    expect(allowedDown).toBeGreaterThanOrEqual(1); // a drain can proceed
    expect(allowedDown).toBeLessThan(deployment.spec.replicas); // and never takes every replica
    // it selects no other app's pods
    for (const other of objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind) && o !== deployment)) {
      expect(selects(budget!.spec.selector.matchLabels, other.spec.template.metadata.labels)).toBe(false);
    }
  });

  it.each(Object.keys(APPS) as AppName[])('exposes %s through a Service whose ServiceMonitor scrapes /metrics as the job the alert rules read', (app) => {
    const pods = workload(objects, app).spec.template;
    const service = find(objects, 'Service', app);
    expect(selects(service.spec.selector, pods.metadata.labels)).toBe(true);
    const servicePort = service.spec.ports.find((p: any) => p.port === APPS[app]);
    expect(pods.spec.containers[0].ports.map((p: any) => p.name)).toContain(servicePort.targetPort);
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor' && selects(o.spec.selector.matchLabels, service.metadata.labels));
    expect(monitors).toHaveLength(1);
    const [monitor] = monitors;
    expect(monitor!.spec.endpoints).toEqual([expect.objectContaining({ port: servicePort.name, path: '/metrics' })]);
    // job = the value of the Service label named by jobLabel: "gateway", "quality", "gpu-agent"
    expect(service.metadata.labels?.[monitor!.spec.jobLabel]).toBe(app);
  });

  it('has a PrometheusRule equal to each rule file of infra/prometheus/rules, and no other rules', () => {
    const rules = objects.filter((o) => o.kind === 'PrometheusRule');
    const files = readdirSync(RULES_DIR).filter((name) => name.endsWith('.yml'));
    expect(rules).toHaveLength(files.length);
    for (const file of files) {
      const groups = parse(readFileSync(join(RULES_DIR, file), 'utf8')).groups;
      // kustomize reorders keys: compare the content, not the text
      const copies = rules.filter((rule) => canonical(rule.spec.groups) === canonical(groups));
      if (copies.length !== 1) {
        // name the PrometheusRule that should hold this file, for a readable diff
        expect({ file, groups: rules.find((rule) => rule.metadata.name === `tokenscope-${basename(file, '.yml')}`)?.spec.groups }).toEqual({ file, groups });
      }
      expect(copies).toHaveLength(1);
    }
  });

  it('has every Grafana dashboard as a ConfigMap for the Grafana sidecar, byte for byte', () => {
    const maps = objects.filter((o) => o.kind === 'ConfigMap' && selects(GRAFANA_DASHBOARD_LABEL, o.metadata.labels));
    const files = dashboardFiles();
    expect(maps).toHaveLength(files.length);
    for (const path of files) {
      const holders = maps.filter((map) => map.data?.[basename(path)] !== undefined);
      expect(holders).toHaveLength(1);
      expect(holders[0]!.data[basename(path)]).toBe(readFileSync(path, 'utf8'));
    }
  });

  it('scales the gateway with an example HorizontalPodAutoscaler that never goes below two replicas', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'gateway');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    // its CPU target needs CPU requests on the pods it scales
    expect(find(objects, 'Deployment', 'gateway').spec.template.spec.containers[0].resources.requests.cpu).toBeDefined();
  });
});

describeWithKubectl('the overlays', () => {
  it('simulator: the gateway on its simulator, Redis in the cluster, a development Secret, the GPU agent on any node', () => {
    const objects = render(join(KUBERNETES_DIR, 'overlays', 'simulator'));
    const gateway = find(objects, 'Deployment', 'gateway').spec.template.spec.containers[0];
    const env = containerEnv(objects, gateway);
    expect(env.LLM_BACKEND).toBe('simulator');
    const { service, port } = serviceAt(objects, env.REDIS_URL!);
    expect(service.spec.ports.map((p: any) => p.port)).toContain(port);
    const redis = find(objects, 'StatefulSet', 'redis');
    expect(selects(service.spec.selector, redis.spec.template.metadata.labels)).toBe(true);
    // the pods' required Secret exists here (the vllm-gpu overlay leaves it to the operator)
    expect(find(objects, 'Secret', 'tokenscope-secrets').data.API_KEYS).toBeDefined();
    const agent = find(objects, 'DaemonSet', 'gpu-agent').spec.template.spec;
    expect(agent.nodeSelector).toBeUndefined();
    expect(agent.runtimeClassName).toBeUndefined();
  });

  it('vllm-gpu: the gateway on vLLM by discovery (LLM_BACKEND=openai + UPSTREAM_URL), vLLM and the GPU agent on GPU nodes, no Secret committed', () => {
    const objects = render(join(KUBERNETES_DIR, 'overlays', 'vllm-gpu'));
    const gateway = find(objects, 'Deployment', 'gateway').spec.template.spec.containers[0];
    const env = containerEnv(objects, gateway);
    expect(env.LLM_BACKEND).toBe('openai');
    expect(env.MODELS_FILE).toBeUndefined();
    const { service, port } = serviceAt(objects, env.UPSTREAM_URL!);
    const vllm = find(objects, 'Deployment', 'vllm');
    expect(selects(service.spec.selector, vllm.spec.template.metadata.labels)).toBe(true);
    const servicePort = service.spec.ports.find((p: any) => p.port === port);
    const vllmContainer = vllm.spec.template.spec.containers[0];
    expect(vllmContainer.ports.map((p: any) => p.name)).toContain(servicePort.targetPort);
    expect(vllmContainer.resources.limits['nvidia.com/gpu']).toBeGreaterThanOrEqual(1);
    // vLLM checks the key the gateway sends
    expect(vllmContainer.env.find((e: any) => e.name === 'VLLM_API_KEY').valueFrom.secretKeyRef).toEqual({ name: 'tokenscope-secrets', key: 'UPSTREAM_API_KEY' });
    expect(gateway.envFrom.map((from: any) => from.secretRef?.name)).toContain('tokenscope-secrets');
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    // no Redis in this overlay: the managed one the README asks for
    expect(objects.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    expect(env.REDIS_URL).toMatch(/^rediss?:\/\//);
    for (const pod of [vllm.spec.template.spec, find(objects, 'DaemonSet', 'gpu-agent').spec.template.spec]) {
      expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
      expect(pod.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'nvidia.com/gpu', operator: 'Exists' })]));
    }
    const agentEnv = containerEnv(objects, find(objects, 'DaemonSet', 'gpu-agent').spec.template.spec.containers[0]);
    expect(vllmContainer.args).toContain(agentEnv.GPU_AGENT_MODEL);
  });
});
