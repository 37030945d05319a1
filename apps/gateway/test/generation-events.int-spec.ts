import { EVENT_QUESTION_LIMIT_BYTES, GENERATION_COMPLETED, GENERATION_EVENTS, generationCompleted, requestRecordKey, redisKeyspace } from '@tokenscope/queue-contracts';
import { sampleValue, startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { jsonPost, startGateway, type RunningGateway } from './gateway-harness.js';

describe('generation events in a real Redis queue', () => {
  let redis: TestRedis;
  let gateway: RunningGateway;
  let queue: Queue;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    gateway = await startGateway({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, EVENTS_BUFFER_LIMIT: '5', EVENTS_FLUSH_INTERVAL_MS: '5' });
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue(GENERATION_EVENTS, { connection: client, prefix: redisKeyspace(redis.prefix) });
  });

  afterAll(async () => {
    await queue?.close();
    client?.disconnect();
    await gateway?.close();
    await redis?.stop();
  });

  const metric = async (name: string, labels: Record<string, string>) => sampleValue(await gateway.metrics(), name, labels);

  it('publishes one contract-valid job per finished request, keyed by the gateway’s own id, whatever the outcome', async () => {
    await (await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'ok', max_tokens: 4, user: 'alice', context: ['Docs.'] }, { 'x-request-id': 'evt-success' })).text();
    await (await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'ok', max_tokens: 0 }, { 'x-request-id': 'evt-rejected' })).text();
    await (await fetch(`${gateway.url}/admin/simulator/faults/sim-fast`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"server_error_rate":1}' })).text();
    await (await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'ok', max_tokens: 4 }, { 'x-request-id': 'evt-error' })).text();
    await (await fetch(`${gateway.url}/admin/simulator/faults/sim-fast`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"server_error_rate":0}' })).text();

    await waitFor(async () => expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 3 }));
    const jobs = await queue.getJobs(['waiting']);
    const byId = new Map(jobs.map((job) => [job.data.publicId as string, job]));
    for (const id of ['evt-success', 'evt-rejected', 'evt-error']) {
      const job = byId.get(id)!;
      expect(job.name).toBe(GENERATION_COMPLETED);
      expect(() => generationCompleted.parse(job.data)).not.toThrow();
      // the job and the once-only guard are keyed by the gateway's own id, never the caller's
      expect(job.id).toBe(job.data.requestId);
      expect(job.data.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    // the question travels only beside a context: the groundedness check is its one reader
    expect(byId.get('evt-success')!.data).toMatchObject({ v: 3, status: 'success', httpStatus: 200, userId: 'alice', context: ['Docs.'], question: 'ok', completionTokens: 4 });
    expect(byId.get('evt-error')!.data.question).toBeNull();
    expect(byId.get('evt-success')!.data.output.length).toBeGreaterThan(0);
    expect(byId.get('evt-rejected')!.data).toMatchObject({ status: 'rejected', httpStatus: 400, errorCode: 'INVALID_REQUEST' });
    expect(byId.get('evt-error')!.data).toMatchObject({ status: 'error', httpStatus: 502, errorCode: 'UPSTREAM_ERROR' });
  });

  it("carries a chat's last user message as the question, bounded, only when the request has a context", async () => {
    await queue.obliterate({ force: true });
    const messages = [
      { role: 'system', content: 'Answer from the documents.' },
      { role: 'user', content: 'Where does the Danube rise?' },
      { role: 'assistant', content: 'In the Black Forest.' },
      { role: 'user', content: `${'pasted '.repeat(1000)}Into which sea does it flow?` },
    ];
    await (await jsonPost(`${gateway.url}/v1/chat/completions`, { model: 'sim-fast', messages, max_tokens: 4, context: ['The Danube flows into the Black Sea.'] }, { 'x-request-id': 'q-chat' })).text();
    await (await jsonPost(`${gateway.url}/v1/chat/completions`, { model: 'sim-fast', messages, max_tokens: 4 }, { 'x-request-id': 'q-no-context' })).text();
    await waitFor(async () => expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 2 }));
    const byId = new Map((await queue.getJobs(['waiting'])).map((job) => [job.data.publicId as string, job.data]));
    const question = byId.get('q-chat')!.question as string;
    expect(Buffer.byteLength(question, 'utf8')).toBe(EVENT_QUESTION_LIMIT_BYTES);
    expect(question.endsWith('pasted Into which sea does it flow?')).toBe(true);
    expect(byId.get('q-no-context')!.question).toBeNull();
    await queue.obliterate({ force: true });
  });

  it('records the request for feedback before the response ends', async () => {
    const response = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'ok', max_tokens: 2, user: 'bob' }, { 'x-request-id': 'record-1' });
    await response.text();
    // no wait: the record must already be there when the client has the answer
    expect(await client.hgetall(requestRecordKey(redis.prefix, 'record-1'))).toMatchObject({ userId: 'bob', model: 'sim-fast', status: 'success' });
    const ttl = await client.ttl(requestRecordKey(redis.prefix, 'record-1'));
    expect(ttl).toBeGreaterThan(86_300);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });

  it('keeps serving while Redis is down, buffers up to its bound, counts the rest as dropped, and drains when Redis returns', async () => {
    // the previous test's event must be in the queue before it is emptied, not still on its way
    await waitFor(async () => expect((await queue.getJobs(['waiting'])).map((j) => j.data.publicId)).toContain('record-1'));
    await queue.obliterate({ force: true });
    const droppedBefore = await metric('llm_queue_events_dropped_total', { queue: GENERATION_EVENTS, reason: 'buffer_full' });
    await redis.kill();
    // with Redis away a caller's id cannot be claimed: each request is served under the gateway's own id
    const served: string[] = [];
    for (let i = 0; i < 8; i++) {
      const response = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'during outage', max_tokens: 2 }, { 'x-request-id': `outage-${i}` });
      expect(response.status).toBe(200);
      served.push(response.headers.get('x-request-id')!);
      expect(((await response.json()) as { id: string }).id).toBe(served[i]);
    }
    expect(served.filter((id) => id.startsWith('outage-'))).toEqual([]);
    const ready = (await (await fetch(`${gateway.url}/readyz`)).json()) as { status: string; checks: { redis: string } };
    expect(ready.status).toBe('degraded');
    expect(ready.checks.redis).not.toBe('ok');
    expect((await metric('llm_queue_events_dropped_total', { queue: GENERATION_EVENTS, reason: 'buffer_full' })) - droppedBefore).toBe(3);

    await redis.restart();
    await waitFor(async () => expect(await metric('llm_queue_events_buffered', { queue: GENERATION_EVENTS })).toBe(0), { timeoutMs: 15_000 });
    await waitFor(async () => expect((await queue.getJobs(['waiting'])).map((j) => j.data.publicId).sort()).toEqual(served.slice(3).sort()), {
      timeoutMs: 15_000,
    });
    // their request records too (no quality service runs here to rebuild them from the events),
    // within the same bound, so they can be voted on as soon as Redis is back
    await waitFor(async () => {
      const present = [];
      for (const id of served) if ((await client.exists(requestRecordKey(redis.prefix, id))) === 1) present.push(id);
      expect(present).toEqual(served.slice(3));
    });
    expect(await client.hgetall(requestRecordKey(redis.prefix, served[7]!))).toMatchObject({ userId: 'anonymous', model: 'sim-fast', status: 'success' });
  });
});
