#!/usr/bin/env node
// Load generator: `concurrency` clients, each sending streamed chat completions back to back for
// `durationMs`, after a warm-up. Measures TTFT (request sent → first body chunk) and counts
// tokens by their `data:` events (no JSON parsing, to keep the generator cheap).
// Usage: node bench/load.mjs <url> <model> <concurrency> <durationMs> <warmupMs>
import { Pool } from 'undici';

const [url, model, concurrencyArg, durationArg, warmupArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const durationMs = Number(durationArg);
const warmupMs = Number(warmupArg);
const target = new URL(url);
const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'Benchmark me.' }], stream: true, max_tokens: 512 });
const headers = { 'content-type': 'application/json' };
const DATA = Buffer.from('data: ');

const ttfts = [];
let tokens = 0;
let requests = 0;
let errors = 0;
let isMeasuring = false;
let isRunning = true;

function countData(buffer) {
  let count = 0;
  let from = 0;
  for (;;) {
    const at = buffer.indexOf(DATA, from);
    if (at === -1) return count;
    count++;
    from = at + DATA.length;
  }
}

async function client() {
  while (isRunning) {
    const started = performance.now();
    let first;
    let events = 0;
    try {
      const response = await pool.request({ path: target.pathname, method: 'POST', headers, body });
      if (response.statusCode !== 200) {
        await response.body.dump();
        errors++;
        continue;
      }
      for await (const chunk of response.body) {
        if (first === undefined) first = performance.now() - started;
        events += countData(chunk);
      }
    } catch {
      errors++;
      continue;
    }
    if (isMeasuring) {
      ttfts.push(first);
      // every event but the final chunk, the usage chunk (if any) and [DONE] carries a token; the
      // ratio between targets is what matters and they all send the same events
      tokens += events;
      requests++;
    }
  }
}

const clients = Array.from({ length: concurrency }, () => client());
await new Promise((r) => setTimeout(r, warmupMs));
isMeasuring = true;
const measureStart = performance.now();
await new Promise((r) => setTimeout(r, durationMs));
isMeasuring = false;
const elapsedS = (performance.now() - measureStart) / 1000;
isRunning = false;
await Promise.all(clients);
await pool.close();

ttfts.sort((a, b) => a - b);
const quantile = (q) => (ttfts.length === 0 ? null : ttfts[Math.min(ttfts.length - 1, Math.floor(q * ttfts.length))]);
process.stdout.write(
  JSON.stringify({ requests, errors, eventsPerSecond: tokens / elapsedS, requestsPerSecond: requests / elapsedS, ttftP50Ms: quantile(0.5), ttftP99Ms: quantile(0.99) }) + '\n',
);
