#!/usr/bin/env node
// Counts the Redis commands one request costs, by app, from Redis's own INFO commandstats (the
// commands a Lua script calls count one each, as Redis executes them; the script itself counts as
// one EVAL/EVALSHA), and Redis's CPU time per request: the figures docs/scaling.md sizes Redis with.
//
//  1. the gateway alone (the quality service stopped, so its events wait in the queue): N requests,
//     each kind of traffic in turn; the commands counted minus those of an idle gateway over the
//     same time, divided by N;
//  2. then the quality service starts and drains those events: its commands per event.
//
//   node bench/redis-commands.mjs [--requests 1000] [--concurrency 16]
//
// Needs the apps built (npm run build) and redis-server on PATH; run it with the project's Node
// (`npm run bench:redis`). Runs the apps as production does
// (node dist/main.js), with the simulator answering at once (SIMULATOR_SPEED=0).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { freePort, parsePrometheusText, sampleValue, waitFor } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { benchArgs } from './bench-args.mjs';
import { APP_ENTRY, APP_NODE_FLAGS, appEnv } from '../infra/lib/app-runtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = benchArgs();
const requestCount = Number(args.requests ?? 1000);
const concurrency = Number(args.concurrency ?? 16);
const work = mkdtempSync(join(tmpdir(), 'tokenscope-redis-commands-'));
const children = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const redisPort = await freePort();
const redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work], { stdio: 'ignore' });
children.push(redisServer);
/** CPU seconds Redis has used (user + system), from /proc: what the commands cost the server. */
function redisCpuSeconds() {
  const fields = readFileSync(`/proc/${redisServer.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const redisUrl = `redis://127.0.0.1:${redisPort}`;
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
redis.on('error', () => undefined);
await waitFor(async () => {
  await redis.ping();
});

const key = 'sk-bench-redis-commands';
writeFileSync(join(work, 'keys.yaml'), `keys:\n  - { sha256: ${createHash('sha256').update(key).digest('hex')}, user: bench }\n`);

async function startApp(app, env) {
  const port = await freePort();
  const portVariable = { gateway: 'GATEWAY_PORT', quality: 'QUALITY_PORT' }[app];
  const child = spawn(process.execPath, [...APP_NODE_FLAGS, ...APP_ENTRY], {
    cwd: join(root, 'apps', app),
    env: appEnv({ PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: redisUrl, QUEUE_PREFIX: 'bench', LOG_LEVEL: 'warn', [portVariable]: String(port), ...env }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (!(await fetch(`${url}/readyz`)).ok) throw new Error('not ready');
  }, { timeoutMs: 30_000 });
  return { url, child };
}

async function commandCounts() {
  const counts = {};
  for (const line of (await redis.info('commandstats')).split('\r\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (match) counts[match[1]] = Number(match[2]);
  }
  return counts;
}

function difference(after, before) {
  const out = {};
  for (const [name, calls] of Object.entries(after)) if (calls - (before[name] ?? 0) > 0) out[name] = calls - (before[name] ?? 0);
  return out;
}

const total = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
const perRequest = (counts, n) => Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a).map(([name, calls]) => [name, Math.round((calls / n) * 100) / 100]));

async function measure(label, gateway, send) {
  // what an idle gateway does over the same time (metrics, model list, fault sync, queue housekeeping)
  const idleStart = await commandCounts();
  const cpuAtStart = redisCpuSeconds();
  const startedAt = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requestCount) {
        const i = next++;
        const response = await send(gateway.url, i);
        if (response.status !== 200) throw new Error(`${label}: HTTP ${response.status}: ${await response.text()}`);
        await response.arrayBuffer();
      }
    }),
  );
  const elapsedMs = Date.now() - startedAt;
  // the last events leave the gateway's buffer within EVENTS_FLUSH_INTERVAL_MS
  await new Promise((resolve) => setTimeout(resolve, 200));
  const busy = difference(await commandCounts(), idleStart);
  const busyCpu = redisCpuSeconds() - cpuAtStart;
  const idleBefore = await commandCounts();
  const idleCpuAtStart = redisCpuSeconds();
  await new Promise((resolve) => setTimeout(resolve, elapsedMs + 200));
  const idle = difference(await commandCounts(), idleBefore);
  const idleCpu = redisCpuSeconds() - idleCpuAtStart;
  const net = {};
  for (const [name, calls] of Object.entries(busy)) {
    const value = calls - (idle[name] ?? 0);
    if (value > 0) net[name] = value;
  }
  return {
    label,
    requests: requestCount,
    commandsPerRequest: Math.round((total(net) / requestCount) * 100) / 100,
    // 10 ms clock ticks: meaningful over a few hundred requests, not for one
    redisCpuMicrosecondsPerRequest: Math.round(((busyCpu - idleCpu) * 1e6) / requestCount),
    byCommand: perRequest(net, requestCount),
  };
}

const chat = (stream) => (url, i) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'sim-fast', messages: [{ role: 'user', content: `question ${i}` }], max_tokens: 16, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }),
  });

const results = [];
const common = { API_KEYS_FILE: join(work, 'keys.yaml'), SIMULATOR_SPEED: '0' };
for (const [label, env] of [
  ['gateway: no shared limits', {}],
  ['gateway: DAILY_BUDGET_USD + RATE_LIMIT_RPM/TPM', { DAILY_BUDGET_USD: '1000000', RATE_LIMIT_RPM: '100000000', RATE_LIMIT_TPM: '100000000000' }],
]) {
  const gateway = await startApp('gateway', { ...common, ...env });
  results.push(await measure(`${label}, chat`, gateway, chat(false)));
  results.push(await measure(`${label}, chat streamed`, gateway, chat(true)));
  gateway.child.kill('SIGTERM');
  await new Promise((resolve) => gateway.child.once('exit', resolve));
}

// the quality service drains what the gateways queued: its commands per event
const events = requestCount * 4;
const before = await commandCounts();
const cpuBeforeDrain = redisCpuSeconds();
const quality = await startApp('quality', { ...common, QUALITY_METRICS_REFRESH_MS: '60000' });
await waitFor(
  async () => {
    const samples = parsePrometheusText(await (await fetch(`${quality.url}/metrics`)).text());
    const consumed = sampleValue(samples, 'llm_queue_events_consumed_total', { queue: 'generation-events', outcome: 'processed' });
    if (consumed < events) throw new Error(`${consumed} of ${events}`);
  },
  { timeoutMs: 300_000, intervalMs: 250 },
);
const drained = difference(await commandCounts(), before);
results.push({
  label: 'quality: consuming one event (boot and the gauges\' reads included)',
  requests: events,
  commandsPerRequest: Math.round((total(drained) / events) * 100) / 100,
  redisCpuMicrosecondsPerRequest: Math.round(((redisCpuSeconds() - cpuBeforeDrain) * 1e6) / events),
  byCommand: perRequest(drained, events),
});

console.log(JSON.stringify({ date: new Date().toISOString(), requests: requestCount, concurrency, results }, null, 1));
process.exit(0);
