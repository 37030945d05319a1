#!/usr/bin/env node
// How long /metrics takes to render, and how big it is, on the gateway and the quality service
// after 10,000 distinct users have been served (user ids never become labels, except the quality
// service's top-N cost series). Target (issue 6): < 20 ms and < 1 MiB.
//
//   node bench/metrics-render.mjs [--users 10000] [--scrapes 50]
//
// Needs a built repo and redis-server on PATH.
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, parsePrometheusText, sampleSum, waitFor } from '@tokenscope/testing';
import { Pool } from 'undici';
import { APP_ENTRY, APP_NODE_FLAGS, appEnv } from '../infra/lib/app-runtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { users: { type: 'string' }, scrapes: { type: 'string' } } });
const users = Number(args.users ?? 10_000);
const scrapes = Number(args.scrapes ?? 50);
const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

const redisPort = await freePort();
children.push(spawn('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
const env = { PATH: process.env.PATH, REDIS_URL: `redis://127.0.0.1:${redisPort}`, LOG_LEVEL: 'warn' };
const gatewayPort = await freePort();
const qualityPort = await freePort();
const nodeArgs = [...APP_NODE_FLAGS, ...APP_ENTRY];
children.push(spawn(process.execPath, nodeArgs, { cwd: join(root, 'apps/gateway'), env: appEnv({ ...env, GATEWAY_PORT: String(gatewayPort), SIMULATOR_SPEED: '0' }), stdio: 'ignore' }));
children.push(spawn(process.execPath, nodeArgs, { cwd: join(root, 'apps/quality'), env: appEnv({ ...env, QUALITY_PORT: String(qualityPort) }), stdio: 'ignore' }));
const gateway = `http://127.0.0.1:${gatewayPort}`;
const quality = `http://127.0.0.1:${qualityPort}`;
await waitFor(async () => (await fetch(`${gateway}/healthz`)).ok, { timeoutMs: 30_000, intervalMs: 200 });
await waitFor(async () => (await fetch(`${quality}/readyz`)).ok, { timeoutMs: 30_000, intervalMs: 200 });

// 10,000 users, one request each, 32 at a time
const pool = new Pool(gateway, { connections: 32 });
let next = 0;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next < users) {
      const user = `user-${next++}`;
      const response = await pool.request({
        path: '/v1/generate',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'hi', max_tokens: 2, user, model: 'sim-fast' }),
      });
      await response.body.dump();
    }
  }),
);
await pool.close();
await waitFor(
  async () => {
    const consumed = sampleSum(parsePrometheusText(await (await fetch(`${quality}/metrics`)).text()), 'llm_queue_events_consumed_total', { outcome: 'processed' });
    if (consumed < users) throw new Error(`${consumed} consumed`);
  },
  { timeoutMs: 120_000, intervalMs: 500 },
);
await new Promise((r) => setTimeout(r, 1500)); // the quality gauges refresh every second

async function measure(url, accept) {
  const times = [];
  let bytes = 0;
  let series = 0;
  for (let i = 0; i < scrapes; i++) {
    const started = performance.now();
    const response = await fetch(`${url}/metrics`, accept ? { headers: { accept } } : {});
    const body = await response.text();
    times.push(performance.now() - started);
    bytes = Buffer.byteLength(body);
    series = body.split('\n').filter((l) => l && !l.startsWith('#')).length;
  }
  times.sort((a, b) => a - b);
  return { p50Ms: +times[Math.floor(times.length / 2)].toFixed(2), p99Ms: +times[Math.floor(times.length * 0.99)].toFixed(2), bytes, series };
}

const result = {
  when: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
  users,
  gateway: { text: await measure(gateway), openMetrics: await measure(gateway, 'application/openmetrics-text; version=1.0.0') },
  quality: { text: await measure(quality), openMetrics: await measure(quality, 'application/openmetrics-text; version=1.0.0') },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
