import { sampleValue, startRedis, waitFor, type Samples, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { userSpendKey } from '@tokenscope/queue-contracts';
import {
  CONTEXT,
  EventQueue,
  generationEvent,
  GROUNDED_TEXT,
  jsonPost,
  OFF_CONTEXT_TEXT,
  REFUSAL_TEXT,
  startQuality,
  writeRequestRecord,
  type RunningQuality,
} from './quality-harness.js';

async function qualityOf(instance: RunningQuality): Promise<unknown> {
  const response = await fetch(`${instance.url}/v1/quality`);
  expect(response.status).toBe(200);
  return response.json();
}

function gauges(samples: Samples) {
  return {
    generations: sampleValue(samples, 'llm_quality_window_generations'),
    refusalRate: sampleValue(samples, 'llm_refusal_rate'),
    hallucinationRate: sampleValue(samples, 'llm_hallucination_rate'),
    satisfaction: sampleValue(samples, 'llm_user_satisfaction'),
  };
}

describe('the shared quality window (two replicas, one Redis)', () => {
  let redis: TestRedis;
  let client: Redis;
  let events: EventQueue;
  let first: RunningQuality;
  let second: RunningQuality;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    events = new EventQueue(redis.url, redis.prefix);
    const env = { REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, QUALITY_CONSUMER_CONCURRENCY: '4' };
    first = await startQuality(env);
    second = await startQuality(env);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await events?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it('starts empty: rates without a denominator are null in the API and NaN on /metrics', async () => {
    expect(await qualityOf(first)).toEqual({
      window: { size: 1000, generations: 0, refusals: 0, checked: 0, ungrounded: 0, votes: 0, thumbs_up: 0, thumbs_down: 0 },
      rates: { refusal_rate: null, hallucination_rate: null, user_satisfaction: null },
    });
    const initial = gauges(await first.metrics());
    expect(initial.generations).toBe(0);
    expect(initial.refusalRate).toBeNaN();
    expect(initial.satisfaction).toBeNaN();
  });

  it('gives both replicas the same exact counts and rates, whichever consumed which event', async () => {
    const refusals = Array.from({ length: 5 }, () => generationEvent({ output: REFUSAL_TEXT }));
    const grounded = Array.from({ length: 4 }, () => generationEvent({ output: GROUNDED_TEXT, context: CONTEXT }));
    const offContext = Array.from({ length: 2 }, () => generationEvent({ output: OFF_CONTEXT_TEXT, context: CONTEXT }));
    // a refusal given context is a refusal, not a hallucination
    const refusedWithContext = generationEvent({ output: REFUSAL_TEXT, context: CONTEXT });
    const plain = Array.from({ length: 8 }, () => generationEvent());
    const failed = [generationEvent({ status: 'error', errorCode: 'UPSTREAM_ERROR', httpStatus: 502, output: '' }), generationEvent({ status: 'cancelled', httpStatus: 499 })];
    const voted = plain.slice(0, 4);
    for (const event of voted) await writeRequestRecord(client, redis.prefix, event.requestId, { userId: event.userId });
    await events.publish(...refusals, ...grounded, ...offContext, refusedWithContext, ...plain, ...failed);

    // three up, one down, sent to either replica
    const votes = await Promise.all(voted.map((event, i) => jsonPost(`${(i % 2 === 0 ? first : second).url}/v1/feedback`, { request_id: event.requestId, thumbs_up: i !== 3 })));
    expect(votes.map((v) => v.status)).toEqual([200, 200, 200, 200]);

    const expected = {
      window: { size: 1000, generations: 20, refusals: 6, checked: 6, ungrounded: 2, votes: 4, thumbs_up: 3, thumbs_down: 1 },
      rates: { refusal_rate: 6 / 20, hallucination_rate: 2 / 6, user_satisfaction: 3 / 4 },
    };
    await waitFor(async () => expect(await qualityOf(first)).toEqual(expected), { timeoutMs: 20_000 });
    expect(await qualityOf(second)).toEqual(expected);

    const expectedGauges = { generations: 20, refusalRate: 0.3, hallucinationRate: 2 / 6, satisfaction: 0.75 };
    await waitFor(async () => expect(gauges(await first.metrics())).toEqual(expectedGauges));
    await waitFor(async () => expect(gauges(await second.metrics())).toEqual(expectedGauges));
    const samples = await second.metrics();
    expect(sampleValue(samples, 'llm_queue_events_consumed_total', { queue: 'generation-events', outcome: 'processed' })).toBe(22);
    expect(sampleValue(samples, 'llm_queue_lag_seconds_count', { queue: 'generation-events' })).toBe(22);
    expect(sampleValue(samples, 'llm_feedback_total', { model: 'sim-fast', rating: 'up' })).toBe(3);
    expect(sampleValue(samples, 'llm_feedback_total', { model: 'sim-fast', rating: 'down' })).toBe(1);
  });

  it('processes the same request twice without changing any rate or cost', async () => {
    const event = generationEvent({ output: REFUSAL_TEXT, userId: 'dora', costUsd: 0.5 });
    await events.publish(event);
    await waitFor(async () => expect(((await qualityOf(first)) as { window: { generations: number } }).window.generations).toBe(21));
    const before = { quality: await qualityOf(first), spend: await client.zscore(userSpendKey(redis.prefix), 'dora') };
    expect(before.spend).toBe('0.5');
    const duplicatesBefore = sampleValue(await first.metrics(), 'llm_queue_events_consumed_total', { queue: 'generation-events', outcome: 'duplicate' });

    // the gateway re-adding it after the completed job was trimmed, and a retry under another job id
    await (await events.queue.getJob(event.requestId))!.remove();
    await events.publish(event);
    await events.queue.add('generation.completed', event, { jobId: `${event.requestId}-again` });
    await waitFor(async () =>
      expect(sampleValue(await first.metrics(), 'llm_queue_events_consumed_total', { queue: 'generation-events', outcome: 'duplicate' })).toBe(duplicatesBefore + 2),
    );
    expect(await qualityOf(second)).toEqual(before.quality);
    expect(await client.zscore(userSpendKey(redis.prefix), 'dora')).toBe('0.5');
  });

  it('drops an event that fails its contract without retrying it, and counts it', async () => {
    const invalidBefore = sampleValue(await first.metrics(), 'llm_queue_events_consumed_total', { queue: 'generation-events', outcome: 'invalid' });
    const bad = await events.queue.add('generation.completed', { v: 1, requestId: 'broken', model: 'sim-fast' }, { jobId: 'broken', attempts: 5 });
    const unknown = await events.queue.add('generation.exploded', { v: 1 }, { jobId: 'unknown-name', attempts: 5 });
    await waitFor(async () => expect(await bad.getState()).toBe('failed'));
    await waitFor(async () => expect(await unknown.getState()).toBe('failed'));
    const failed = (await events.queue.getJob('broken'))!;
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toContain('userId');
    await waitFor(async () =>
      expect(sampleValue(await first.metrics(), 'llm_queue_events_consumed_total', { queue: 'generation-events', outcome: 'invalid' })).toBe(invalidBefore + 2),
    );
    await waitFor(async () => expect(sampleValue(await first.metrics(), 'llm_queue_jobs', { queue: 'generation-events', state: 'failed' })).toBe(2));
  });
});
