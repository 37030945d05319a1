import { GENERATION_EVENTS } from '@tokenscope/queue-contracts';
import { freePort, sampleSum, sampleValue } from '@tokenscope/testing';
import { metrics, post, rssMb, startApp, type RunningApp } from './support/apps.js';
import { ProcessGroup } from './support/processes.js';

/**
 * The gateway's memory ceiling with Redis away: every event it cannot deliver waits in memory,
 * bounded in bytes, whatever the requests carry. The gateway runs as in production (a child
 * process, production runtime flags) and its RSS is read from /proc while a burst of
 * maximum-size requests goes through.
 */
describe('memory ceiling of the gateway while Redis is down', () => {
  const processes = new ProcessGroup();
  const BUFFER_MB = 32;
  const CONCURRENCY = 8;
  const REQUESTS = 400;
  let gateway: RunningApp;

  beforeAll(async () => {
    // a port nobody listens on: Redis is down from the start and stays down
    const deadPort = await freePort();
    gateway = await startApp(processes, 'gateway', {
      REDIS_URL: `redis://127.0.0.1:${deadPort}`,
      SIMULATOR_SPEED: '0',
      EVENTS_BUFFER_LIMIT_BYTES: String(BUFFER_MB * 1_048_576),
    });
  }, 60_000);

  afterAll(async () => {
    await processes.stopAll();
  });

  /** Just under the 1 MiB body limit: 31 context documents of ~32,000 characters of distinct words (nothing for the reduction to fold). */
  function maximumBody(): string {
    let next = 0;
    const document = () => {
      const words: string[] = [];
      let length = 0;
      while (length < 31_000) {
        const word = `w${(next++).toString(36)}`;
        words.push(word);
        length += word.length + 1;
      }
      return words.join(' ');
    };
    const body = JSON.stringify({ prompt: 'Summarise the documents.', max_tokens: 64, context: Array.from({ length: 31 }, document) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(960_000);
    expect(Buffer.byteLength(body)).toBeLessThan(1_048_576);
    return body;
  }

  it(`stays under idle RSS + its event buffer + ${CONCURRENCY} maximum-size requests in flight, and counts what it drops`, async () => {
    const body = JSON.parse(maximumBody()) as unknown;
    // warm up (JIT, tokenizer, the first allocations), then take the idle figure
    for (let i = 0; i < 5; i++) expect((await post(`${gateway.url}/v1/generate`, body)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    const idleMb = rssMb(gateway.pid);
    const before = await metrics(gateway.url);
    const droppedBefore = sampleSum(before, 'llm_queue_events_dropped_total', { queue: GENERATION_EVENTS });
    const bufferedBefore = sampleValue(before, 'llm_queue_events_buffered', { queue: GENERATION_EVENTS })!;

    let peakMb = idleMb;
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(gateway.pid))), 50);
    let sent = 0;
    try {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (sent < REQUESTS) {
            sent++;
            const response = await post(`${gateway.url}/v1/generate`, body);
            expect(response.status).toBe(200);
            await response.text();
          }
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    peakMb = Math.max(peakMb, rssMb(gateway.pid));

    const samples = await metrics(gateway.url);
    const buffered = sampleValue(samples, 'llm_queue_events_buffered', { queue: GENERATION_EVENTS })!;
    const dropped = sampleSum(samples, 'llm_queue_events_dropped_total', { queue: GENERATION_EVENTS }) - droppedBefore;
    // every event is either still held or counted as dropped, and the bytes bound held most of them back
    process.stdout.write(`memory ceiling: idle ${idleMb.toFixed(0)} MB, peak ${peakMb.toFixed(0)} MB, buffered ${buffered}, dropped ${dropped}\n`);
    expect(buffered - bufferedBefore + dropped).toBe(REQUESTS);
    expect(dropped).toBeGreaterThan(0);
    // the documented ceiling (docs/reliability.md): idle + buffer + per-request cost x concurrency
    const ceilingMb = idleMb + BUFFER_MB + CONCURRENCY * PER_REQUEST_MB;
    expect(peakMb).toBeLessThan(ceilingMb);
  }, 240_000);
});

/** Memory one maximum-size (1 MiB body) request in flight costs, MB: body, parsed JSON, tokenizer work (measured, docs/reliability.md). */
const PER_REQUEST_MB = 48;
