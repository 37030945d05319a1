#!/usr/bin/env node
// Measures the quality service's consumer of `generation-events`, built and run as in production
// (node dist/main.js, its own process, pinned to one core with taskset when available):
//
//  1. drain: N events are enqueued through the contract while the service is stopped, then the
//     service starts and the bench times the drain from /metrics (llm_queue_events_consumed_total).
//     Reports events/s (wall, steady part 10%→90%) and events per CPU-second of the quality process.
//  2. lag: events are produced at a fixed rate with finishedAtMs = the moment of publishing, the way
//     the gateway stamps them; reports p50/p99 of llm_queue_lag_seconds (from the service's own
//     histogram, interpolated within buckets like histogram_quantile, so bucket resolution).
//
//   node bench/quality-consumer.mjs [--events 50000] [--rate 1000] [--rate-seconds 20]
//                                   [--concurrency 32] [--cpu 1] [--redis-cpu 0] [--profile DIR]
//
// Needs the quality app and its libs built (npx nx run @tokenscope/quality:build, or npm run build)
// and redis-server on PATH (or REDIS_URL pointing at an empty Redis).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultJobOptions, GENERATION_COMPLETED, GENERATION_EVENTS, generationCompleted, redisKeyspace } from '@tokenscope/queue-contracts';
import { freePort, parsePrometheusText, waitFor } from '@tokenscope/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { benchArgs } from './bench-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = benchArgs();
const eventCount = Number(args.events ?? 50_000);
const rate = Number(args.rate ?? 1000);
const rateSeconds = Number(args['rate-seconds'] ?? 20);
const concurrency = Number(args.concurrency ?? 64);
const qualityCpu = args.cpu ?? '1';
const redisCpu = args['redis-cpu'] ?? '0';
// --profile DIR: the quality process writes a V8 CPU profile there when the bench stops it
const profileDir = args.profile;
const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' }).status === 0;
const CLOCK_TICKS_PER_SECOND = 100;
const PREFIX = `bench${Date.now().toString(36)}`;

if (!existsSync(join(root, 'apps/quality/dist/main.js'))) {
  process.stderr.write('apps/quality/dist/main.js is missing: run `npx nx run @tokenscope/quality:build` (or `npm run build`) first\n');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'tokenscope-quality-bench-'));
const children = [];
function cleanup() {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function pinned(cpu, command, argv) {
  return hasTaskset && cpu !== 'none' ? ['taskset', ['-c', cpu, command, ...argv]] : [command, argv];
}

function cpuSecondsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

async function startRedis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, pid: undefined };
  const port = await freePort();
  const [command, argv] = pinned(redisCpu, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work]);
  const child = spawn(command, argv, { stdio: 'ignore' });
  children.push(child);
  const client = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  client.on('error', () => undefined);
  await waitFor(async () => {
    if (client.status !== 'ready') await client.connect().catch(() => undefined);
    if ((await client.ping()) !== 'PONG') throw new Error('no pong');
  });
  client.disconnect();
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid };
}

// What generations look like to the consumer: most plain answers, some grounded in a context,
// a few refusals and off-context answers (the simulator's fault mix), ~1,000 distinct users.
const CONTEXT = [
  'Prefill reads the whole prompt at once and fills the attention cache. It is limited by arithmetic and grows with the length of the prompt.',
  'Decode produces one token at a time, each step reading the cache that the previous steps wrote. It is limited by memory bandwidth.',
];
const ANSWER =
  'A language model server spends most of its time in two phases. The first is prefill, where the whole prompt is read at once. ' +
  'The second is decode, where the model produces one token at a time. Time to first token tells how long a user stares at an empty screen. ' +
  'Time per output token tells how fast the answer scrolls once it starts, and it rises when more requests are decoded together.';
const GROUNDED = `${CONTEXT[0]} ${CONTEXT[1]}`;
const REFUSAL = "I'm sorry, but I can't help with that request.";
let sequence = 0;
function event(finishedAtMs) {
  const n = ++sequence;
  const kind = n % 20;
  const output = kind === 0 ? REFUSAL : kind < 7 ? GROUNDED : ANSWER;
  const context = kind >= 1 && kind < 7 ? CONTEXT : null;
  return generationCompleted.parse({
    v: 2,
    requestId: `${PREFIX}-${n}`,
    publicId: `${PREFIX}-${n}`,
    model: n % 3 === 0 ? 'sim-large' : 'sim-fast',
    userId: `user-${n % 1000}`,
    endpoint: 'chat.completions',
    status: n % 50 === 0 ? 'error' : 'success',
    errorCode: n % 50 === 0 ? 'UPSTREAM_ERROR' : null,
    httpStatus: n % 50 === 0 ? 502 : 200,
    finishReason: 'stop',
    promptTokens: 120,
    completionTokens: 90,
    isUsageEstimated: false,
    costUsd: 0.000072,
    costBasis: 'tokens',
    ttftMs: 55,
    tpotMs: 9,
    latencyMs: 860,
    startedAtMs: finishedAtMs - 860,
    finishedAtMs,
    output: kind === 1 ? ANSWER : output, // kind 1: an answer off its context
    context,
    isContextReduced: false,
    trace: { traceparent: `00-${n.toString(16).padStart(32, '0')}-${'1'.padStart(16, '0')}-01` },
  });
}

async function publish(queue, events) {
  await queue.addBulk(events.map((data) => ({ name: GENERATION_COMPLETED, data, opts: { jobId: data.requestId } })));
}

async function scrape(url) {
  return parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
}
const consumedOf = (samples) => samples.get(`llm_queue_events_consumed_total{outcome="processed",queue="${GENERATION_EVENTS}"}`) ?? 0;

function lagBuckets(samples) {
  const buckets = [];
  for (const [key, value] of samples) {
    const match = /^llm_queue_lag_seconds_bucket\{le="([^"]+)",queue=/.exec(key);
    if (match) buckets.push([match[1] === '+Inf' ? Infinity : Number(match[1]), value]);
  }
  return buckets.sort((a, b) => a[0] - b[0]);
}

/** histogram_quantile over the difference of two cumulative bucket snapshots. */
function quantile(q, before, after) {
  const diff = after.map(([le, count], i) => [le, count - (before[i]?.[1] ?? 0)]);
  const total = diff.at(-1)[1];
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let previousLe = 0;
  let previousCount = 0;
  for (const [le, count] of diff) {
    if (count >= rank) {
      if (le === Infinity) return previousLe;
      return previousLe + ((le - previousLe) * (rank - previousCount)) / Math.max(1, count - previousCount);
    }
    previousLe = le;
    previousCount = count;
  }
  return Number.NaN;
}

const redis = await startRedis();
const producerConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
const queue = new Queue(GENERATION_EVENTS, { connection: producerConnection, prefix: redisKeyspace(PREFIX), defaultJobOptions });

// 1. enqueue while the service is stopped
const enqueueStarted = performance.now();
for (let i = 0; i < eventCount; i += 1000) {
  const now = Date.now();
  await publish(queue, Array.from({ length: Math.min(1000, eventCount - i) }, () => event(now)));
}
const enqueueSeconds = (performance.now() - enqueueStarted) / 1000;

const port = await freePort();
const nodeFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
const [command, argv] = pinned(qualityCpu, process.execPath, [...nodeFlags, '--enable-source-maps', '--import', './dist/otel.js', 'dist/main.js']);
const quality = spawn(command, argv, {
  cwd: join(root, 'apps/quality'),
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: PREFIX,
    QUALITY_PORT: String(port),
    QUALITY_HOST: '127.0.0.1',
    QUALITY_CONSUMER_CONCURRENCY: String(concurrency),
    LOG_LEVEL: 'warn',
  },
});
children.push(quality);
let isFinished = false;
quality.once('exit', (code, signal) => {
  if (isFinished) return;
  process.stderr.write(`the quality service exited early (${signal ?? code})\n`);
  process.exit(1);
});
const url = `http://127.0.0.1:${port}`;
await waitFor(async () => {
  if ((await fetch(`${url}/readyz`)).status !== 200) throw new Error('not ready');
}, { timeoutMs: 30_000, intervalMs: 20 });
const qualityPid = hasTaskset ? Number(spawnSync('pgrep', ['-P', String(quality.pid)]).stdout.toString().trim() || quality.pid) : quality.pid;

const points = [];
const cpuStart = cpuSecondsOf(qualityPid);
const redisCpuStart = redis.pid ? cpuSecondsOf(redis.pid) : undefined;
const drainStarted = performance.now();
for (;;) {
  const count = consumedOf(await scrape(url));
  points.push([(performance.now() - drainStarted) / 1000, count]);
  if (count >= eventCount) break;
  await new Promise((r) => setTimeout(r, 100));
}
const drainSeconds = points.at(-1)[0];
const cpuSeconds = cpuSecondsOf(qualityPid) - cpuStart;
const redisCpuSeconds = redis.pid ? cpuSecondsOf(redis.pid) - redisCpuStart : undefined;
const at = (fraction) => points.find(([, count]) => count >= fraction * eventCount);
const [t10, c10] = at(0.1);
const [t90, c90] = at(0.9);
const steadyRate = (c90 - c10) / (t90 - t10);

// 2. a steady rate, stamped like the gateway stamps events
const lagBefore = lagBuckets(await scrape(url));
const tickMs = 10;
const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
const rateStarted = performance.now();
let produced = 0;
const target = rate * rateSeconds;
while (produced < target) {
  const due = Math.min(target, Math.floor(((performance.now() - rateStarted) / 1000) * rate) + perTick);
  if (due > produced) {
    const now = Date.now();
    const batch = Array.from({ length: due - produced }, () => event(now));
    produced += batch.length;
    await publish(queue, batch);
  }
  await new Promise((r) => setTimeout(r, tickMs));
}
const achievedRate = produced / ((performance.now() - rateStarted) / 1000);
await waitFor(async () => {
  if (consumedOf(await scrape(url)) < eventCount + produced) throw new Error('not drained');
}, { timeoutMs: 120_000, intervalMs: 100 });
const lagAfter = lagBuckets(await scrape(url));

const result = {
  date: new Date().toISOString(),
  loadAverage: loadavg().map((l) => round(l)),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  node: process.version,
  pinned: hasTaskset ? `quality on cpu ${qualityCpu}, redis on cpu ${redisCpu}` : 'not pinned (no taskset)',
  concurrency,
  drain: {
    events: eventCount,
    enqueueSeconds: round(enqueueSeconds),
    drainSeconds: round(drainSeconds),
    eventsPerSecondOverall: Math.round(eventCount / drainSeconds),
    eventsPerSecondSteady: Math.round(steadyRate),
    qualityCpuSeconds: round(cpuSeconds),
    eventsPerQualityCpuSecond: Math.round(eventCount / cpuSeconds),
    redisCpuSeconds: redisCpuSeconds === undefined ? null : round(redisCpuSeconds),
  },
  lag: {
    targetRate: rate,
    achievedRate: Math.round(achievedRate),
    events: produced,
    p50Seconds: round(quantile(0.5, lagBefore, lagAfter), 4),
    p99Seconds: round(quantile(0.99, lagBefore, lagAfter), 4),
    atMostOneSecondShare: round(share(1, lagBefore, lagAfter), 4),
  },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results', `quality-consumer-${result.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
isFinished = true;
if (profileDir) {
  // a graceful stop, so that V8 writes the profile
  const exited = new Promise((resolve) => quality.once('exit', resolve));
  process.kill(qualityPid, 'SIGTERM');
  await exited;
}
await queue.close();
producerConnection.disconnect();
process.exit(0);

function share(le, before, after) {
  const row = after.findIndex(([bound]) => bound === le);
  const total = after.at(-1)[1] - before.at(-1)[1];
  return (after[row][1] - before[row][1]) / total;
}

function round(value, digits = 2) {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
