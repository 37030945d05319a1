#!/usr/bin/env node
// Counts the Redis commands one gateway request costs, end to end: the gateway (request record,
// event batch, WAIT when asked) and the quality service (the BullMQ job's life, the ingest script),
// on a private redis-server, from INFO commandstats. The apps' background work (BullMQ's blocking
// reads and stalled-job checks, the metrics refresher, the GPU samples reader) is measured over an
// idle stretch of the same length and subtracted.
//
//   node bench/redis-commands.mjs [--requests 1000] [--wait-replicas 0]
//
// Needs the apps built (npm run build) and redis-server on PATH.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, waitFor } from '@tokenscope/testing';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { requests: { type: 'string', default: '1000' }, 'wait-replicas': { type: 'string', default: '0' } } });
const requests = Number(values.requests);
const redisPort = await freePort();
const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const cli = (...args) => execFileSync('redis-cli', ['-p', String(redisPort), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
await waitFor(() => (cli('PING').trim() === 'PONG' ? true : Promise.reject(new Error('no pong'))));

const env = { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: `redis://127.0.0.1:${redisPort}`, QUEUE_PREFIX: 'bench', LOG_LEVEL: 'warn', MALLOC_ARENA_MAX: '2' };
const apps = [];
async function start(app, port, extra) {
  const child = spawn(process.execPath, ['--enable-source-maps', '--import', './dist/otel.js', 'dist/main.js'], { cwd: join(root, 'apps', app), env: { ...env, ...extra }, stdio: 'ignore' });
  apps.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => ((await fetch(`${url}/readyz`)).ok ? true : Promise.reject(new Error('not ready'))), { timeoutMs: 30_000, intervalMs: 200 });
  return url;
}
const [gatewayPort, qualityPort] = [await freePort(), await freePort()];
const gateway = await start('gateway', gatewayPort, { GATEWAY_PORT: String(gatewayPort), GATEWAY_HOST: '127.0.0.1', SIMULATOR_SPEED: '0', EVENTS_WAIT_REPLICAS: values['wait-replicas'] });
const quality = await start('quality', qualityPort, { QUALITY_PORT: String(qualityPort), QUALITY_HOST: '127.0.0.1', QUALITY_WINDOW_SIZE: '1000000' });

function commandStats() {
  const stats = {};
  for (const line of cli('INFO', 'commandstats').split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) stats[match[1]] = Number(match[2]);
  }
  return stats;
}
const diff = (after, before) => Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)]).filter(([, v]) => v > 0));
const windowCount = () => Number(cli('HGET', '{bench}:quality:window:counts', 'generations').trim() || 0);

// one request first, so that scripts are loaded and connections are warm
await (await fetch(`${gateway}/v1/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"warm up","max_tokens":6}' })).text();
await waitFor(() => (windowCount() === 1 ? true : Promise.reject(new Error('not yet'))), { timeoutMs: 10_000 });

const before = commandStats();
const startedMs = Date.now();
for (let i = 0; i < requests; i++) {
  const response = await fetch(`${gateway}/v1/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: `request ${i}`, max_tokens: 6 }) });
  if (response.status !== 200) throw new Error(`request ${i}: ${response.status}`);
  await response.text();
}
await waitFor(() => (windowCount() === requests + 1 ? true : Promise.reject(new Error('not yet'))), { timeoutMs: 120_000, intervalMs: 100 });
const busyMs = Date.now() - startedMs;
const busy = diff(commandStats(), before);

const idleBefore = commandStats();
await new Promise((r) => setTimeout(r, busyMs));
const idle = diff(commandStats(), idleBefore);

const perRequest = {};
for (const [command, calls] of Object.entries(busy)) perRequest[command] = Math.round(((calls - (idle[command] ?? 0)) / requests) * 100) / 100;
const total = Object.values(perRequest).reduce((sum, v) => sum + v, 0);
console.log(JSON.stringify({ requests, busySeconds: busyMs / 1000, perRequest, totalPerRequest: Math.round(total * 100) / 100, idlePerSecond: Math.round((Object.values(idle).reduce((s, v) => s + v, 0) / (busyMs / 1000)) * 10) / 10 }, null, 1));
void quality;
for (const child of apps) child.kill('SIGTERM');
redis.kill('SIGKILL');
