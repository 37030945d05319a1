import { sampleSum, sampleValue, scrape, startRedis, waitFor, type Samples, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { EventQueue, FakeClock, generationEvent, startQuality, type RunningQuality } from './quality-harness.js';

const consumed = (samples: Samples) => sampleValue(samples, 'llm_queue_events_consumed_total', { queue: 'generation-events', outcome: 'processed' });

describe('daily cost in a non-UTC time zone, across midnight and a restart', () => {
  // Kolkata is UTC+05:30: its midnight is 18:30Z, so a UTC (or "24 h after boot") day gets it wrong
  const TIME_ZONE = 'Asia/Kolkata';
  let redis: TestRedis;
  let events: EventQueue;
  let quality: RunningQuality | undefined;
  const clock = new FakeClock(Date.parse('2026-03-10T18:00:00Z')); // 23:30 on the 10th in Kolkata
  const env = () => ({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, COST_TIMEZONE: TIME_ZONE, DAILY_BUDGET_USD: '0.5' });

  beforeAll(async () => {
    redis = await startRedis();
    events = new EventQueue(redis.url, redis.prefix);
    quality = await startQuality(env(), { clock });
  });

  afterAll(async () => {
    await quality?.close();
    await events?.close();
    await redis?.stop();
  });

  const spendOf = async (user: string) => (await fetch(`${quality!.url}/v1/spend/${user}`)).json();
  const costGauges = async () => {
    const samples = await quality!.metrics();
    return {
      daily: sampleValue(samples, 'llm_daily_cost_dollars'),
      atBudget: sampleValue(samples, 'llm_users_at_budget'),
      alice: sampleValue(samples, 'llm_cost_by_user_dollars', { user_id: 'alice' }),
      model: sampleValue(samples, 'llm_cost_by_model_dollars', { model: 'sim-fast' }),
    };
  };

  it('adds up the day before local midnight', async () => {
    await events.publish(
      generationEvent({ userId: 'alice', costUsd: 0.25, finishedAtMs: Date.parse('2026-03-10T17:50:00Z') }),
      generationEvent({ userId: 'alice', costUsd: 0.5, finishedAtMs: Date.parse('2026-03-10T17:55:00Z') }),
      generationEvent({ userId: 'bob', costUsd: 0.125, finishedAtMs: Date.parse('2026-03-10T17:58:00Z') }),
    );
    await waitFor(async () => expect(await costGauges()).toEqual({ daily: 0.875, atBudget: 1, alice: 0.75, model: 0.875 }), { timeoutMs: 20_000 });
    expect(await spendOf('alice')).toEqual({
      user_id: 'alice',
      cost_day: '2026-03-10',
      time_zone: TIME_ZONE,
      spend_usd: 0.75,
      daily_budget_usd: 0.5,
      remaining_usd: 0,
      resets_at: '2026-03-10T18:30:00.000Z',
    });
  });

  it('starts from zero at midnight in COST_TIMEZONE, while the all-time totals go on', async () => {
    clock.set('2026-03-10T18:40:00Z'); // 00:10 on the 11th in Kolkata, still the 10th in UTC
    await waitFor(async () => expect(await costGauges()).toEqual({ daily: 0, atBudget: 0, alice: 0.75, model: 0.875 }));
    expect(await spendOf('alice')).toMatchObject({ cost_day: '2026-03-11', spend_usd: 0, remaining_usd: 0.5, resets_at: '2026-03-11T18:30:00.000Z' });

    await events.publish(generationEvent({ userId: 'alice', costUsd: 0.125, finishedAtMs: Date.parse('2026-03-10T18:35:00Z') }));
    await waitFor(async () => expect(await costGauges()).toEqual({ daily: 0.125, atBudget: 0, alice: 0.875, model: 1 }), { timeoutMs: 20_000 });
  });

  it('books a late event on the day its generation ended, not the day it was processed', async () => {
    // finished at 23:59 on the 10th (Kolkata), processed on the 11th
    await events.publish(generationEvent({ userId: 'carol', costUsd: 0.25, finishedAtMs: Date.parse('2026-03-10T18:29:00Z') }));
    await waitFor(async () => expect((await costGauges()).model).toBe(1.25), { timeoutMs: 20_000 });
    expect((await costGauges()).daily).toBe(0.125);
    expect(await spendOf('carol')).toMatchObject({ cost_day: '2026-03-11', spend_usd: 0 });
  });

  it('is still right after a restart: the ledger lives in Redis, not in the process', async () => {
    await quality!.close();
    quality = undefined;
    const laterClock = new FakeClock(Date.parse('2026-03-11T05:00:00Z')); // 10:30 on the 11th in Kolkata
    quality = await startQuality(env(), { clock: laterClock });
    // the first refresh happens during boot, so the very first scrape is already right
    expect(await costGauges()).toEqual({ daily: 0.125, atBudget: 0, alice: 0.875, model: 1.25 });
    expect(await spendOf('alice')).toMatchObject({ cost_day: '2026-03-11', spend_usd: 0.125 });
  });
});

describe('llm_cost_by_user_dollars with 10,000 distinct users', () => {
  const TOP_USERS = 5;
  let redis: TestRedis;
  let events: EventQueue;
  let quality: RunningQuality;

  beforeAll(async () => {
    redis = await startRedis();
    events = new EventQueue(redis.url, redis.prefix);
    quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, QUALITY_TOP_USERS: String(TOP_USERS), QUALITY_CONSUMER_CONCURRENCY: '64' });
  });

  afterAll(async () => {
    await quality?.close();
    await events?.close();
    await redis?.stop();
  });

  it('keeps N named series plus other, and the series add up to the total spend', async () => {
    // amounts in eighths of a dollar add up exactly in binary floating point
    const small = Array.from({ length: 9_995 }, (_, i) => generationEvent({ userId: `user-${i}`, costUsd: ((i % 8) + 1) * 0.125 }));
    const whales = [1, 2, 3, 4, 5].map((i) => generationEvent({ userId: `whale-${i}`, costUsd: 100 * i }));
    const total = [...small, ...whales].reduce((sum, e) => sum + e.costUsd, 0);
    // counters are per process, and this file's other app shares the process
    const consumedBefore = consumed(await quality.metrics());
    for (let i = 0; i < small.length; i += 1000) await events.publish(...small.slice(i, i + 1000));
    await events.publish(...whales);

    await waitFor(async () => expect(consumed(await scrape(quality.url)) - consumedBefore).toBe(10_000), { timeoutMs: 100_000, intervalMs: 250 });
    let samples: Samples = new Map();
    await waitFor(async () => {
      samples = await quality.metrics();
      expect(sampleValue(samples, 'llm_daily_cost_dollars')).toBe(total);
    });
    const userSeries = [...samples.keys()].filter((key) => key.startsWith('llm_cost_by_user_dollars{'));
    expect(userSeries.sort()).toEqual(
      ['other', 'whale-1', 'whale-2', 'whale-3', 'whale-4', 'whale-5'].map((user) => `llm_cost_by_user_dollars{user_id="${user}"}`),
    );
    expect(sampleValue(samples, 'llm_cost_by_user_dollars', { user_id: 'whale-5' })).toBe(500);
    expect(sampleValue(samples, 'llm_cost_by_user_dollars', { user_id: 'other' })).toBe(total - 1500);
    expect(sampleSum(samples, 'llm_cost_by_user_dollars')).toBe(total);
    expect(sampleSum(samples, 'llm_cost_by_model_dollars')).toBe(total);
  }, 180_000);
});
