#!/usr/bin/env node
// Compares, in one run on one machine, streamed chat completions sent straight to a fake
// upstream ("direct") with the same requests through tokenscope's gateway (openai backend, with
// metrics, logs, traces exported over OTLP and events published to Redis), through a bare Node
// pipe (node:http, no parsing: the floor for any Node gateway) and through nginx (if installed).
// Figures are ratios and differences against "direct" measured in the same run.
//
//   npm run bench -- [--concurrency 1,16,64,256] [--duration-ms 8000] [--warmup-ms 2000]
//                    [--targets direct,gateway,bare,nginx] [--runs 1] [--tokens 64]
//                    [--variant 'no-otel:OTEL_SDK_DISABLED=true' …] [--same-model-name]
//                    [--gateway-env KEY=V,KEY=V]  (every gateway target, the baseline included)
//
// --variant adds a gateway target started with those environment overrides, measured in the same
// run as the others (the price of each piece: logs, span export…). --same-model-name serves the
// upstream's model under its own name (zero-config), so the relay renames nothing.
//
// Needs a built repo (npm run build) and redis-server on PATH.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, waitFor } from '@tokenscope/testing';
import { APP_ENTRY, APP_NODE_FLAGS, appEnv } from '../infra/lib/app-runtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string' },
    'duration-ms': { type: 'string' },
    'warmup-ms': { type: 'string' },
    targets: { type: 'string' },
    runs: { type: 'string' },
    tokens: { type: 'string' },
    'upstream-ttft-ms': { type: 'string' },
    'inter-token-ms': { type: 'string' },
    'node-flags': { type: 'string' },
    'malloc-arena-max': { type: 'string' },
    'baseline-dir': { type: 'string' },
    'baseline-runtime': { type: 'string' },
    profile: { type: 'boolean' },
    variant: { type: 'string', multiple: true },
    'gateway-env': { type: 'string' },
    'same-model-name': { type: 'boolean' },
  },
});
const concurrencies = (args.concurrency ?? '1,16,64,256').split(',').map(Number);
const durationMs = Number(args['duration-ms'] ?? 8000);
const warmupMs = Number(args['warmup-ms'] ?? 2000);
const runs = Number(args.runs ?? 1);
const tokens = Number(args.tokens ?? 64);
const ttftMs = Number(args['upstream-ttft-ms'] ?? 20);
const interTokenMs = Number(args['inter-token-ms'] ?? 5);
const hasNginx = spawnSync('sh', ['-c', 'command -v nginx'], { stdio: 'ignore' }).status === 0;
const targetNames = (args.targets ?? `direct,gateway,bare${hasNginx ? ',nginx' : ''}`).split(',');
const CLOCK_TICKS_PER_SECOND = 100;

const work = mkdtempSync(join(tmpdir(), 'tokenscope-bench-'));
const children = [];

function start(name, command, argv, options = {}) {
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
  children.push(child);
  return child;
}

function cleanup() {
  // whole trees: an nginx worker outliving its master would hold our output pipes open
  for (const child of children) {
    for (const pid of child.pid ? processTree(child.pid).reverse() : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function processTree(pid) {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/**
 * CPU seconds used so far by a process and its direct children (nginx workers), in user space and
 * in the kernel (system calls: the socket reads and writes every relay pays).
 */
function cpuSeconds(pid) {
  let userTicks = 0;
  let systemTicks = 0;
  for (const p of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      userTicks += Number(fields[11]);
      systemTicks += Number(fields[12]);
    } catch {
      // gone
    }
  }
  return { user: userTicks / CLOCK_TICKS_PER_SECOND, system: systemTicks / CLOCK_TICKS_PER_SECOND };
}

/** Peak resident memory (VmHWM) in MB, summed over the process tree. */
function peakRssMb(pid) {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += Number(match?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

function resetPeakRss(pid) {
  for (const p of processTree(pid)) {
    try {
      writeFileSync(`/proc/${p}/clear_refs`, '5');
    } catch {
      // not permitted or gone: the peak then covers the process's life so far
    }
  }
}

async function waitHttp(url) {
  await waitFor(
    async () => {
      const response = await fetch(url);
      await response.text();
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

// --- shared pieces: Redis, an OTLP sink, the fake upstream ---------------------------------
const redisPort = await freePort();
start('redis', 'redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
let spansReceived = 0;
const otlpSink = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    spansReceived++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
const otlpPort = await freePort();
await new Promise((r) => otlpSink.listen(otlpPort, '127.0.0.1', r));

const upstreamPort = await freePort();
start('upstream', process.execPath, [join(root, 'bench/fake-upstream.mjs'), String(upstreamPort), String(tokens), String(ttftMs), String(interTokenMs)]);
await waitHttp(`http://127.0.0.1:${upstreamPort}/v1/models`);

// --- targets --------------------------------------------------------------------------------
const targets = {};
if (targetNames.includes('direct')) targets.direct = { url: `http://127.0.0.1:${upstreamPort}/v1/chat/completions`, model: 'upstream-model', pid: undefined };

/** Starts a gateway from a checkout (this one, or --baseline-dir for a before/after in one run). */
const servedModel = args['same-model-name'] ? 'upstream-model' : 'bench-model';
// a value may hold '=' itself (NODE_OPTIONS=--max-semi-space-size=4): split at the first one only
const envPairs = (settings = '') => Object.fromEntries(settings.split(',').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
const gatewayEnv = envPairs(args['gateway-env']);

async function startGateway(name, checkoutDir, nodeFlags, profileFlags, envOf = appEnv, overrides = {}) {
  const port = await freePort();
  const modelsFile = join(work, `models-${name}.yaml`);
  writeFileSync(
    modelsFile,
    `models:\n  - name: ${servedModel}\n    backend: openai\n    upstream_url: http://127.0.0.1:${upstreamPort}\n    upstream_model: upstream-model\n    price: { input_per_1k_usd: 0.001, output_per_1k_usd: 0.002 }\n`,
  );
  const gateway = start(name, process.execPath, [...profileFlags, ...nodeFlags, ...APP_ENTRY], {
    cwd: join(checkoutDir, 'apps/gateway'),
    stdio: ['ignore', 'ignore', 'inherit'],
    env: envOf({
      ...process.env,
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: '127.0.0.1',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      LLM_BACKEND: 'openai',
      MODELS_FILE: modelsFile,
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
      OTEL_SERVICE_NAME: 'tokenscope-gateway-bench',
      GATEWAY_MAX_CONCURRENT_REQUESTS: '100000',
      ...gatewayEnv,
      ...overrides,
    }),
  });
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  return { url: `http://127.0.0.1:${port}/v1/chat/completions`, model: servedModel, pid: gateway.pid, process: gateway };
}

/** --profile: V8 CPU profiles of the gateway and the bare pipe, written when they exit, named after the target and the process. */
function profileFlagsOf(target) {
  return args.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(root, 'bench/results/profiles')}`, `--cpu-prof-name=${target}.\${pid}.cpuprofile`] : [];
}

if (targetNames.includes('gateway')) {
  // --profile: a V8 CPU profile of the gateway, written when it exits (bench/profile-summary.mjs reads it)
  const profileFlags = profileFlagsOf('gateway');
  // the flags and environment production runs with (infra/lib/app-runtime.mjs) unless
  // --node-flags / --malloc-arena-max say otherwise ("" for none)
  const nodeFlags = args['node-flags'] === undefined ? APP_NODE_FLAGS : args['node-flags'].split(',').filter(Boolean);
  const envOf = args['malloc-arena-max'] === undefined ? appEnv : (env) => ({ ...env, MALLOC_ARENA_MAX: args['malloc-arena-max'] });
  targets.gateway = await startGateway('gateway', root, nodeFlags, profileFlags, envOf);
  // --baseline-dir: the same gateway from another checkout (an earlier commit, built), as it ran then
  // (--baseline-runtime current: with today's flags and environment, to compare the code alone)
  if (args['baseline-dir']) {
    const isCurrentRuntime = args['baseline-runtime'] === 'current';
    targets['gateway-baseline'] = await startGateway('gateway-baseline', args['baseline-dir'], isCurrentRuntime ? nodeFlags : [], [], isCurrentRuntime ? envOf : (env) => env);
  }
  for (const variant of args.variant ?? []) {
    const [name, settings = ''] = variant.split(':');
    targets[`gateway-${name}`] = await startGateway(`gateway-${name}`, root, nodeFlags, [], envOf, envPairs(settings));
  }
}

if (targetNames.includes('bare')) {
  const port = await freePort();
  const bare = start('bare', process.execPath, [...profileFlagsOf('bare'), join(root, 'bench/bare-pipe.mjs'), String(port), String(upstreamPort)]);
  await waitHttp(`http://127.0.0.1:${port}/v1/models`);
  targets.bare = { url: `http://127.0.0.1:${port}/v1/chat/completions`, model: 'upstream-model', pid: bare.pid, process: bare };
}

if (targetNames.includes('nginx') && hasNginx) {
  const port = await freePort();
  const prefix = join(work, 'nginx');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `worker_processes 1;\nerror_log ${prefix}/logs/error.log warn;\npid ${prefix}/nginx.pid;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n  client_body_temp_path ${prefix}/body;\n  proxy_temp_path ${prefix}/proxy;\n  fastcgi_temp_path ${prefix}/fastcgi;\n  uwsgi_temp_path ${prefix}/uwsgi;\n  scgi_temp_path ${prefix}/scgi;\n  upstream u { server 127.0.0.1:${upstreamPort}; keepalive 512; }\n  server {\n    listen 127.0.0.1:${port};\n    location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }\n  }\n}\n`,
  );
  const nginx = start('nginx', 'nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  await waitHttp(`http://127.0.0.1:${port}/v1/models`);
  targets.nginx = { url: `http://127.0.0.1:${port}/v1/chat/completions`, model: 'upstream-model', pid: nginx.pid };
}

// --- runs -----------------------------------------------------------------------------------
function runLoad(target, concurrency) {
  return new Promise((resolve, reject) => {
    const load = spawn(process.execPath, [join(root, 'bench/load.mjs'), target.url, target.model, String(concurrency), String(durationMs), String(warmupMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    load.stdout.on('data', (d) => (out += d));
    load.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited ${code}`))));
  });
}

const results = [];
for (let run = 1; run <= runs; run++) {
  for (const concurrency of concurrencies) {
    for (const [name, target] of Object.entries(targets)) {
      const cpuBefore = target.pid ? cpuSeconds(target.pid) : undefined;
      // reset the peak-RSS mark (VmHWM) so each row shows the peak of its own load
      if (target.pid) resetPeakRss(target.pid);
      const load = await runLoad(target, concurrency);
      // CPU over warm-up and measurement, divided by all requests served in both
      const cpuAfter = target.pid ? cpuSeconds(target.pid) : undefined;
      const servedRequests = load.requestsPerSecond * ((durationMs + warmupMs) / 1000);
      const perRequest = (pick) => (cpuBefore === undefined || servedRequests === 0 ? null : ((pick(cpuAfter) - pick(cpuBefore)) * 1000) / servedRequests);
      const row = {
        run,
        concurrency,
        target: name,
        ...load,
        cpuMsPerRequest: perRequest((cpu) => cpu.user + cpu.system),
        userCpuMsPerRequest: perRequest((cpu) => cpu.user),
        systemCpuMsPerRequest: perRequest((cpu) => cpu.system),
        peakRssMb: target.pid ? peakRssMb(target.pid) : null,
      };
      results.push(row);
      process.stderr.write(`run ${run} c=${concurrency} ${name}: ${JSON.stringify(row)}\n`);
    }
  }
}

// --- report ---------------------------------------------------------------------------------
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const rowsFor = (name, c) => results.filter((r) => r.target === name && r.concurrency === c);
const lines = [];
lines.push(`| target | c | TTFT p50 ms | TTFT p99 ms | added TTFT p50 ms | events/s | vs direct | CPU ms/req | user / system | peak RSS MB (run 1) | errors |`);
lines.push(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
for (const c of concurrencies) {
  const direct = rowsFor('direct', c);
  for (const name of Object.keys(targets)) {
    const rows = rowsFor(name, c);
    if (rows.length === 0) continue;
    const p50 = mean(rows.map((r) => r.ttftP50Ms));
    const p99 = mean(rows.map((r) => r.ttftP99Ms));
    const eps = mean(rows.map((r) => r.eventsPerSecond));
    const added = direct.length > 0 && name !== 'direct' ? (p50 - mean(direct.map((r) => r.ttftP50Ms))).toFixed(2) : '–';
    const ratio = direct.length > 0 ? (eps / mean(direct.map((r) => r.eventsPerSecond))).toFixed(3) : '–';
    const cpu = rows[0].cpuMsPerRequest === null ? '–' : mean(rows.map((r) => r.cpuMsPerRequest)).toFixed(2);
    const split = rows[0].cpuMsPerRequest === null ? '–' : `${mean(rows.map((r) => r.userCpuMsPerRequest)).toFixed(2)} / ${mean(rows.map((r) => r.systemCpuMsPerRequest)).toFixed(2)}`;
    // run 1's own peak: RSS rarely shrinks, so later runs mostly show the peak of the largest load
    const rss = rows[0].peakRssMb === null ? '–' : rows[0].peakRssMb.toFixed(0);
    const errors = rows.reduce((a, r) => a + r.errors, 0);
    lines.push(`| ${name} | ${c} | ${p50.toFixed(2)} | ${p99.toFixed(2)} | ${added} | ${eps.toFixed(0)} | ${ratio} | ${cpu} | ${split} | ${rss} | ${errors} |`);
  }
}
const header = `${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · ${(totalmem() / 2 ** 30).toFixed(0)} GiB · node ${process.version} · ${runs} run(s) of ${durationMs} ms after ${warmupMs} ms warm-up · upstream: ${tokens} tokens, TTFT ${ttftMs} ms, ${interTokenMs} ms between tokens · OTLP batches received: ${spansReceived}`;
const report = `${header}\n\n${lines.join('\n')}\n`;
mkdirSync(join(root, 'bench/results'), { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(root, `bench/results/gateway-${stamp}.json`), JSON.stringify({ header, results }, null, 2));
process.stdout.write(report);
if (args.profile) {
  // a graceful stop, so that V8 writes the profiles
  const profiled = [targets.gateway?.process, targets.bare?.process].filter(Boolean);
  await Promise.all(
    profiled.map(
      (child) =>
        new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
}
process.exit(0);
