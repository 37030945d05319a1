#!/usr/bin/env node
// Soak: 64 concurrent streams through the gateway (openai backend, a fake upstream) for 10
// minutes, with the quality service consuming events and taking votes, and a fault every minute
// in turn: the upstream answering 500 for 10 s, then Redis killed and restarted 5 s later.
// At the end: no process crashed, every request the clients sent is counted exactly once in
// llm_requests_total, every accepted vote is counted by the quality service, and the gateway's
// memory is flat: the last minute against the first minute of the measured 10 minutes, which
// start after a warm-up of the same load and one fault of each kind (the heap grows to its
// working size there, error storms and outage buffers included; the samples of the warm-up are
// kept in the result, and that growth is not a leak).
//
//   npm run soak -- [--warmup-s 150] [--duration-s 600] [--concurrency 64] [--fault-every-s 60]
//
// Needs a built repo (npm run build) and redis-server on PATH. Writes bench/results/soak-*.json.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, parsePrometheusText, sampleSum, startFakeUpstream, waitFor } from '@tokenscope/testing';
import { Pool } from 'undici';
import { APP_ENTRY, APP_NODE_FLAGS, appEnv } from '../infra/lib/app-runtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { 'warmup-s': { type: 'string' }, 'duration-s': { type: 'string' }, concurrency: { type: 'string' }, 'fault-every-s': { type: 'string' }, 'vote-every': { type: 'string' } },
});
const warmupS = Number(args['warmup-s'] ?? 150);
const durationS = Number(args['duration-s'] ?? 600);
const concurrency = Number(args.concurrency ?? 64);
const faultEveryS = Number(args['fault-every-s'] ?? 60);
const voteEvery = Number(args['vote-every'] ?? 10);
const work = mkdtempSync(join(tmpdir(), 'tokenscope-soak-'));
const children = new Map();
const log = (message) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function startProcess(name, command, argv, options = {}) {
  const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'inherit'], ...options });
  child.on('exit', (code, signal) => {
    const entry = children.get(name);
    if (entry && !entry.isStopping) entry.crash = `${name} exited (${signal ?? code})`;
  });
  children.set(name, { child, isStopping: false, crash: undefined });
  return child;
}

async function stopProcess(name, signal = 'SIGTERM') {
  const entry = children.get(name);
  if (!entry || entry.child.exitCode !== null) return;
  entry.isStopping = true;
  await new Promise((resolve) => {
    entry.child.once('exit', resolve);
    entry.child.kill(signal);
  });
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const scrape = async (url) => parsePrometheusText(await (await fetch(`${url}/metrics`)).text());

// --- Redis (with an append-only file, so a restart keeps the data, as a real deployment would)
const redisPort = await freePort();
const redisUrl = `redis://127.0.0.1:${redisPort}`;
const startRedis = () =>
  startProcess('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', work], { stdio: 'ignore' });
startRedis();

// --- the upstream (in this process, so faults can be switched)
const upstream = await startFakeUpstream({ tokens: 64, ttftMs: 20, interTokenMs: 5 });
writeFileSync(
  join(work, 'models.yaml'),
  `models:\n  - name: soak-model\n    backend: openai\n    upstream_url: ${upstream.url}\n    price: { input_per_1k_usd: 0.001, output_per_1k_usd: 0.002 }\n`,
);

// --- the apps, as production runs them
const nodeArgs = [...APP_NODE_FLAGS, ...APP_ENTRY];
const gatewayPort = await freePort();
const qualityPort = await freePort();
const common = { PATH: process.env.PATH, REDIS_URL: redisUrl, LOG_LEVEL: 'warn', MODELS_FILE: join(work, 'models.yaml') };
const gateway = startProcess('gateway', process.execPath, nodeArgs, {
  cwd: join(root, 'apps/gateway'),
  env: appEnv({ ...common, LLM_BACKEND: 'openai', GATEWAY_PORT: String(gatewayPort), GATEWAY_HOST: '127.0.0.1', EVENTS_BUFFER_LIMIT: '100000' }),
});
startProcess('quality', process.execPath, nodeArgs, { cwd: join(root, 'apps/quality'), env: appEnv({ ...common, QUALITY_PORT: String(qualityPort), QUALITY_HOST: '127.0.0.1' }) });
const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
const qualityUrl = `http://127.0.0.1:${qualityPort}`;
await waitFor(async () => (await fetch(`${gatewayUrl}/healthz`)).ok, { timeoutMs: 30_000, intervalMs: 200 });
await waitFor(async () => (await fetch(`${qualityUrl}/readyz`)).ok, { timeoutMs: 30_000, intervalMs: 200 });
log(`gateway ${gatewayUrl}, quality ${qualityUrl}, redis ${redisUrl}, upstream ${upstream.url}`);

// --- load
const sent = { requests: 0, ok: 0, errors: 0, streamErrors: 0, transport: 0, votesAccepted: 0, votesRefused: 0, votesFailed: 0, votesRefusedByStatus: {} };
const gatewayPool = new Pool(gatewayUrl, { connections: concurrency });
const body = JSON.stringify({ model: 'soak-model', messages: [{ role: 'user', content: 'soak' }], stream: true });
let isRunning = true;

async function vote(requestId) {
  try {
    const response = await fetch(`${qualityUrl}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request_id: requestId, thumbs_up: Math.random() < 0.7 }),
    });
    await response.text();
    if (response.status === 200) sent.votesAccepted++;
    else {
      // e.g. 503 while Redis is down: the client is told its vote was not taken
      sent.votesRefused++;
      sent.votesRefusedByStatus[response.status] = (sent.votesRefusedByStatus[response.status] ?? 0) + 1;
    }
  } catch {
    sent.votesFailed++;
  }
}

async function client() {
  while (isRunning) {
    sent.requests++;
    try {
      const response = await gatewayPool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await response.body.text();
      if (response.statusCode !== 200) sent.errors++;
      else if (!text.trimEnd().endsWith('data: [DONE]')) sent.streamErrors++;
      else {
        sent.ok++;
        if (sent.ok % voteEvery === 0) await vote(response.headers['x-request-id']);
      }
    } catch {
      sent.transport++;
    }
  }
}

// --- faults and memory samples, from the start
const memory = [];
const faults = [];
const started = Date.now();
// RSS is what the target is about, but V8 rarely gives memory back, so RSS alone cannot tell a
// leak from a heap that grew once; the JS heap in use (prom-client's default metric) can: its
// lowest value over a stretch of minutes is close to what survives garbage collection.
const heapUsedMb = async () => sampleSum(await scrape(gatewayUrl), 'nodejs_heap_size_used_bytes') / 2 ** 20;
const memoryTimer = setInterval(async () => {
  const sample = { atS: (Date.now() - started) / 1000, rssMb: rssMb(gateway.pid), heapUsedMb: undefined };
  memory.push(sample);
  sample.heapUsedMb = await heapUsedMb().catch(() => undefined);
}, 5000);
let faultIndex = 0;
function injectFault() {
  const kind = faultIndex++ % 2 === 0 ? 'upstream-500' : 'redis-restart';
  faults.push({ atS: Math.round((Date.now() - started) / 1000), kind });
  log(`fault: ${kind}`);
  if (kind === 'upstream-500') {
    upstream.behavior.fault = { kind: 'status', status: 500 };
    setTimeout(() => (upstream.behavior.fault = { kind: 'none' }), 10_000);
  } else {
    stopProcess('redis', 'SIGKILL').then(() => setTimeout(startRedis, 5000));
  }
}
const faultTimer = setInterval(injectFault, faultEveryS * 1000);
setTimeout(() => log(`warm-up over: ${durationS} s measured from now`), warmupS * 1000);

const clients = Array.from({ length: concurrency }, () => client());
await new Promise((r) => setTimeout(r, (warmupS + durationS) * 1000));
clearInterval(faultTimer);
isRunning = false;
await Promise.all(clients);
clearInterval(memoryTimer);
upstream.behavior.fault = { kind: 'none' };
log('load stopped; waiting for Redis, the event buffer and the queue to settle');

// --- settle and check
await waitFor(async () => (await fetch(`${qualityUrl}/readyz`)).ok, { timeoutMs: 60_000, intervalMs: 500 });
await waitFor(
  async () => {
    const samples = await scrape(gatewayUrl);
    if (sampleSum(samples, 'llm_queue_events_buffered') !== 0) throw new Error('buffered');
  },
  { timeoutMs: 60_000, intervalMs: 500 },
);
const gatewaySamples = await scrape(gatewayUrl);
const counted = sampleSum(gatewaySamples, 'llm_requests_total', { model: 'soak-model' });
const byStatus = Object.fromEntries(['success', 'error', 'cancelled', 'rejected'].map((s) => [s, sampleSum(gatewaySamples, 'llm_requests_total', { model: 'soak-model', status: s })]));
let feedbackCounted = 0;
await waitFor(
  async () => {
    feedbackCounted = sampleSum(await scrape(qualityUrl), 'llm_feedback_total');
    if (feedbackCounted < sent.votesAccepted) throw new Error('votes still arriving');
  },
  { timeoutMs: 30_000, intervalMs: 1000 },
).catch(() => undefined);
const crashes = [...children.values()].map((c) => c.crash).filter(Boolean);
const endS = warmupS + durationS;
const firstMinute = memory.filter((m) => m.atS > warmupS && m.atS <= warmupS + 60).map((m) => m.rssMb);
const lastMinute = memory.filter((m) => m.atS > endS - 60).map((m) => m.rssMb);
const measured = memory.filter((m) => m.atS > warmupS).map((m) => m.rssMb);
const lowestHeap = (from, to) => Math.min(...memory.filter((m) => m.atS > from && m.atS <= to && m.heapUsedMb !== undefined).map((m) => m.heapUsedMb));
// halves, not minutes: a minute's lowest point depends on where the collections fell in it
const heapFirstHalf = lowestHeap(warmupS, warmupS + durationS / 2);
const heapSecondHalf = lowestHeap(warmupS + durationS / 2, endS);
const mean = (values) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const growthPercent = ((mean(lastMinute) - mean(firstMinute)) / mean(firstMinute)) * 100;

const result = {
  when: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
  warmupS,
  durationS,
  concurrency,
  faults,
  clientSide: sent,
  gatewayCounted: { total: counted, ...byStatus, droppedEvents: sampleSum(gatewaySamples, 'llm_queue_events_dropped_total') },
  everyRequestCountedOnce: counted === sent.requests,
  feedback: { accepted: sent.votesAccepted, counted: feedbackCounted, lost: sent.votesAccepted - feedbackCounted },
  crashes,
  gatewayRssMb: {
    endOfWarmup: memory.filter((m) => m.atS <= warmupS).at(-1)?.rssMb,
    firstMinute: Number(mean(firstMinute).toFixed(1)),
    lastMinute: Number(mean(lastMinute).toFixed(1)),
    maxMeasured: Math.max(...measured),
    growthPercent: Number(growthPercent.toFixed(2)),
    samples: memory,
  },
  gatewayHeapUsedMb: {
    lowestFirstHalf: Number(heapFirstHalf.toFixed(1)),
    lowestSecondHalf: Number(heapSecondHalf.toFixed(1)),
    growthPercent: Number((((heapSecondHalf - heapFirstHalf) / heapFirstHalf) * 100).toFixed(2)),
  },
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
const file = join(root, `bench/results/soak-${result.when.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(result, null, 2));
const { samples: _samples, ...rss } = result.gatewayRssMb;
process.stdout.write(`${JSON.stringify({ ...result, gatewayRssMb: rss }, null, 2)}\nfull result: ${file}\n`);

for (const name of ['gateway', 'quality', 'redis']) await stopProcess(name);
await gatewayPool.close();
await upstream.close();
rmSync(work, { recursive: true, force: true });
const isPass = crashes.length === 0 && result.everyRequestCountedOnce && result.feedback.lost === 0 && growthPercent < 5;
process.exit(isPass ? 0 : 1);
