import { GENERATION_COMPLETED, GENERATION_EVENTS, redisKeyspace } from '@tokenscope/queue-contracts';
import { sampleSum, sampleValue, startRedis, type TestRedis } from '@tokenscope/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { metrics, post, startApp, type RunningApp } from './support/apps.js';
import { eventually, ProcessGroup } from './support/processes.js';

/**
 * A caller's x-request-id is a correlation id, not an identity: the gateway and the quality
 * service as real processes on one Redis, with API keys, and requests that reuse one id.
 */
describe('x-request-id is a correlation id, not an identity', () => {
  const processes = new ProcessGroup();
  const keys = 'sk-alice-0001:alice,sk-mallory-0002:mallory,sk-ops-0003:ops:admin';
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const asAdmin = as('sk-ops-0003');
  let redis: TestRedis;
  let gateway: RunningApp;
  let quality: RunningApp;

  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, API_KEYS: keys };
    [gateway, quality] = await Promise.all([startApp(processes, 'gateway', { ...env, SIMULATOR_SPEED: '0' }), startApp(processes, 'quality', env)]);
    await eventually('the gateway is ready (Redis connected)', async () => (await fetch(`${gateway.url}/readyz`)).ok, processes, 30_000, 200);
  }, 60_000);

  afterAll(async () => {
    await processes.stopAll();
    await redis?.stop();
  });

  const spendOf = async (userId: string) => ((await (await fetch(`${quality.url}/v1/spend/${userId}`, { headers: asAdmin })).json()) as { spend_usd: number }).spend_usd;
  const windowGenerations = async () => ((await (await fetch(`${quality.url}/v1/quality`, { headers: asAdmin })).json()) as { window: { generations: number } }).window.generations;
  const consumed = async (outcome: string) => sampleValue(await metrics(quality.url), 'llm_queue_events_consumed_total', { queue: GENERATION_EVENTS, outcome });
  const usd = (value: number) => Math.round(value * 1e9) / 1e9;

  it('counts and bills each of ten requests that reuse one x-request-id, once each', async () => {
    const spendBefore = await spendOf('alice');
    const windowBefore = await windowGenerations();
    const successBefore = sampleSum(await metrics(gateway.url), 'llm_requests_total', { status: 'success' });

    const answers: Array<{ id: string; header: string | null; costUsd: number }> = [];
    for (let i = 0; i < 10; i++) {
      const response = await post(`${gateway.url}/v1/generate`, { prompt: `question number ${i}`, max_tokens: 8 + i }, { ...as('sk-alice-0001'), 'x-request-id': 'same-id-1' });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { id: string; cost_usd: number };
      answers.push({ id: body.id, header: response.headers.get('x-request-id'), costUsd: body.cost_usd });
    }
    // the first holds the caller's id; each later one is served, and can be voted on, under its own
    expect(answers[0]!.header).toBe('same-id-1');
    expect(new Set(answers.map((a) => a.header)).size).toBe(10);
    for (const answer of answers) expect(answer.id).toBe(answer.header);
    const costUsd = answers.reduce((sum, a) => sum + a.costUsd, 0);
    expect(costUsd).toBeGreaterThan(0);

    expect(sampleSum(await metrics(gateway.url), 'llm_requests_total', { status: 'success' }) - successBefore).toBe(10);
    await eventually('all ten are in the quality window', async () => (await windowGenerations()) - windowBefore === 10, processes, 30_000);
    await eventually('all ten are billed', async () => usd((await spendOf('alice')) - spendBefore) === usd(costUsd), processes, 30_000);
  }, 60_000);

  it('never lets another user who reuses an id act on the first user’s request', async () => {
    const first = await post(`${gateway.url}/v1/generate`, { prompt: 'mine', max_tokens: 4 }, { ...as('sk-alice-0001'), 'x-request-id': 'shared-id-7' });
    expect(first.headers.get('x-request-id')).toBe('shared-id-7');
    await first.text();
    const second = await post(`${gateway.url}/v1/generate`, { prompt: 'also mine?', max_tokens: 4, stream: true }, { ...as('sk-mallory-0002'), 'x-request-id': 'shared-id-7' });
    expect(second.status).toBe(200);
    const secondId = second.headers.get('x-request-id')!;
    expect(secondId).not.toBe('shared-id-7');
    expect(JSON.parse((await second.text()).split('\n\n')[0]!.slice('data: '.length)).id).toBe(secondId);

    const aliceVote = await post(`${quality.url}/v1/feedback`, { request_id: 'shared-id-7', thumbs_up: true }, as('sk-alice-0001'));
    expect(aliceVote.status).toBe(200);
    const malloryVote = await post(`${quality.url}/v1/feedback`, { request_id: 'shared-id-7', thumbs_up: false }, as('sk-mallory-0002'));
    expect(malloryVote.status).toBe(403);
    // mallory votes on her own request under the id she was given
    expect((await post(`${quality.url}/v1/feedback`, { request_id: secondId, thumbs_up: true }, as('sk-mallory-0002'))).status).toBe(200);
  });

  it('counts a replayed job once (a BullMQ retry or a publish repeated after a lost reply)', async () => {
    const response = await post(`${gateway.url}/v1/generate`, { prompt: 'replay me', max_tokens: 6 }, { ...as('sk-alice-0001'), 'x-request-id': 'replayed-1' });
    const { cost_usd: costUsd } = (await response.json()) as { cost_usd: number };
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(GENERATION_EVENTS, { connection: client, prefix: redisKeyspace(redis.prefix) });
    try {
      const job = await eventually(
        'the event was consumed',
        async () => {
          const found = (await queue.getJobs(['completed'])).find((j) => j.data.publicId === 'replayed-1');
          if (!found) throw new Error('not yet');
          return found;
        },
        processes,
        30_000,
      );
      const spendBefore = await spendOf('alice');
      const duplicatesBefore = await consumed('duplicate');
      await queue.add(GENERATION_COMPLETED, job.data, { jobId: `${job.id}-again` });
      await job.retry('completed');
      await eventually('both replays were seen as duplicates', async () => (await consumed('duplicate')) - duplicatesBefore === 2, processes, 30_000);
      expect(usd((await spendOf('alice')) - spendBefore)).toBe(0);
      expect(costUsd).toBeGreaterThan(0);
    } finally {
      await queue.close();
      client.disconnect();
    }
  }, 60_000);
});
