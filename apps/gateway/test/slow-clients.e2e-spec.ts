import { connect, type Socket } from 'node:net';
import { GENERATION_EVENTS, redisKeyspace } from '@tokenscope/queue-contracts';
import { longModelFile, sampleSum, sampleValue, startFakeUpstream, startRedis, waitFor, type FakeUpstream, type TemporaryModelsFile, type TestRedis } from '@tokenscope/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { jsonPost, startGateway, type RunningGateway } from './gateway-harness.js';

/** A streamed request sent on a raw socket that never reads its answer. */
function stalledClient(url: string, body: unknown): Socket {
  const text = JSON.stringify(body);
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  socket.pause();
  socket.on('error', () => undefined);
  socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  return socket;
}

describe('clients that stop reading', () => {
  const SLOTS = 3;
  let redis: TestRedis;
  let upstream: FakeUpstream;
  let gateway: RunningGateway;
  let modelsFile: TemporaryModelsFile;

  beforeAll(async () => {
    redis = await startRedis();
    // as fast as it can: 200,000 tokens (~40 MB of SSE) fill any socket buffer
    upstream = await startFakeUpstream({ tokens: 200_000, ttftMs: 0, interTokenMs: 0 });
    modelsFile = longModelFile(upstream.url);
    gateway = await startGateway({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      LLM_BACKEND: 'openai',
      MODELS_FILE: modelsFile.path,
      GATEWAY_MAX_CONCURRENT_REQUESTS: String(SLOTS),
      GATEWAY_WRITE_STALL_TIMEOUT_MS: '1500',
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await redis?.stop();
    modelsFile?.remove();
  });

  const chat = (maxTokens: number, stream: boolean) => ({ model: 'long-model', messages: [{ role: 'user', content: 'go' }], max_tokens: maxTokens, stream });

  it('frees the slots of clients that stop reading once the write-stall deadline passes: cancelled, upstream aborted', async () => {
    const before = await gateway.metrics();
    const cancelledBefore = sampleSum(before, 'llm_requests_total', { status: 'cancelled' });
    const abortedBefore = upstream.abortedCount();

    const sockets = Array.from({ length: SLOTS }, () => stalledClient(gateway.url, chat(200_000, true)));
    await waitFor(async () => expect(sampleValue(await gateway.metrics(), 'llm_active_requests')).toBe(SLOTS), { timeoutMs: 10_000 });

    // every slot is held: a normal client is refused while the stalled ones last
    const refused = await jsonPost(`${gateway.url}/v1/chat/completions`, chat(4, false));
    expect(refused.status).toBe(429);
    await refused.text();

    // then the deadline passes and the gateway lets them go (a paused socket does not notice: no
    // assertion on the client side)
    await waitFor(async () => expect(sampleValue(await gateway.metrics(), 'llm_active_requests')).toBe(0), { timeoutMs: 20_000 });
    const served = await jsonPost(`${gateway.url}/v1/chat/completions`, chat(4, false));
    expect(served.status).toBe(200);
    await served.text();

    await waitFor(() => expect(upstream.abortedCount() - abortedBefore).toBe(SLOTS), { timeoutMs: 10_000 });
    const after = await gateway.metrics();
    expect(sampleSum(after, 'llm_requests_total', { status: 'cancelled' }) - cancelledBefore).toBe(SLOTS);
    for (const socket of sockets) socket.destroy();
  }, 60_000);

  it('ends a request still running at GATEWAY_REQUEST_TIMEOUT_MS, reading client or not: cancelled, upstream aborted', async () => {
    const bounded = await startGateway({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `${redis.prefix}d`,
      LLM_BACKEND: 'openai',
      MODELS_FILE: modelsFile.path,
      GATEWAY_REQUEST_TIMEOUT_MS: '1000',
    });
    upstream.behavior.interTokenMs = 20; // 200,000 tokens at 50 a second: far longer than the deadline
    try {
      const before = await bounded.metrics();
      const abortedBefore = upstream.abortedCount();
      const response = await jsonPost(`${bounded.url}/v1/chat/completions`, chat(200_000, true));
      expect(response.status).toBe(200);
      await expect(response.text()).rejects.toThrow(); // the gateway closed the connection mid-stream
      await waitFor(async () => expect(sampleSum(await bounded.metrics(), 'llm_requests_total', { status: 'cancelled' }) - sampleSum(before, 'llm_requests_total', { status: 'cancelled' })).toBe(1), {
        timeoutMs: 10_000,
      });
      await waitFor(() => expect(upstream.abortedCount() - abortedBefore).toBe(1), { timeoutMs: 10_000 });
      expect(sampleValue(await bounded.metrics(), 'llm_active_requests')).toBe(0);
    } finally {
      upstream.behavior.interTokenMs = 0;
      await bounded.close();
    }
  }, 30_000);

  it('does not serve (nor bill) a client that left while its budget was being read', async () => {
    // a budget makes admission read Redis; Redis paused makes that read wait
    const budgeted = await startGateway({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `${redis.prefix}b`,
      SIMULATOR_SPEED: '0',
      DAILY_BUDGET_USD: '100',
      BUDGET_READ_TIMEOUT_MS: '2000',
    });
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(GENERATION_EVENTS, { connection: client, prefix: redisKeyspace(`${redis.prefix}b`) });
    try {
      const before = await budgeted.metrics();
      await client.call('CLIENT', 'PAUSE', '1000', 'ALL');
      const body = JSON.stringify({ prompt: 'I will not wait', max_tokens: 50 });
      const socket = connect(Number(new URL(budgeted.url).port), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`POST /v1/generate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      await waitFor(async () => expect(sampleValue(await budgeted.metrics(), 'llm_active_requests')).toBe(0)); // still in admission: not generating
      await new Promise((r) => setTimeout(r, 200));
      socket.destroy();

      await waitFor(async () => expect(sampleSum(await budgeted.metrics(), 'llm_requests_total', { status: 'cancelled' }) - sampleSum(before, 'llm_requests_total', { status: 'cancelled' })).toBe(1), {
        timeoutMs: 10_000,
      });
      const after = await budgeted.metrics();
      expect(sampleSum(after, 'llm_requests_total', { status: 'success' }) - sampleSum(before, 'llm_requests_total', { status: 'success' })).toBe(0);
      expect(sampleSum(after, 'llm_cost_dollars_total') - sampleSum(before, 'llm_cost_dollars_total')).toBe(0);
      expect(sampleSum(after, 'llm_tokens_generated_total') - sampleSum(before, 'llm_tokens_generated_total')).toBe(0);
      // its event bills nothing either
      await waitFor(async () => expect(await queue.count()).toBe(1), { timeoutMs: 10_000 });
      const [job] = await queue.getJobs(['waiting']);
      expect(job!.data).toMatchObject({ status: 'cancelled', httpStatus: 499, errorCode: 'CLIENT_GONE', costUsd: 0, promptTokens: 0, completionTokens: 0 });
    } finally {
      await queue.close();
      client.disconnect();
      await budgeted.close();
    }
  }, 30_000);
});
