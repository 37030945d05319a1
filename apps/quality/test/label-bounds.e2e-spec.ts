import { sampleSum, seriesAdded, seriesPerMetric, startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { EventQueue, generationEvent, jsonPost, startQuality, writeRequestRecord, type RunningQuality } from './quality-harness.js';

const DISTINCT = 1000;
const TOP_USERS = 20;

describe('quality label cardinality', () => {
  let redis: TestRedis;
  let client: Redis;
  let events: EventQueue;
  let quality: RunningQuality;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    events = new EventQueue(redis.url, redis.prefix);
    quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, QUALITY_TOP_USERS: String(TOP_USERS) });
  });

  afterAll(async () => {
    await quality?.close();
    await events?.close();
    client?.disconnect();
    await redis?.stop();
  });

  const llmSeries = async () => {
    const all = seriesPerMetric(await (await fetch(`${quality.url}/metrics`)).text());
    // llm_* are the series requests and events feed; process and nodejs metrics describe the process itself
    return new Map([...all].filter(([family]) => family.startsWith('llm_')));
  };
  const processed = async () => sampleSum(await quality.metrics(), 'llm_queue_events_consumed_total', { queue: 'generation-events', outcome: 'processed' });

  it(`adds at most one series per metric for ${DISTINCT} made-up models, users, votes and paths`, async () => {
    // the top spenders, one more user below them (so user_id="other" exists), an unknown model and a vote on it
    const whales = Array.from({ length: TOP_USERS }, (_, i) => generationEvent({ userId: `whale-${i}`, costUsd: 100 + i }));
    const warmUp = [...whales, generationEvent({ userId: 'minnow', costUsd: 0.001 }), generationEvent({ model: 'warm-up-model', costUsd: 0.001 })];
    await events.publish(...warmUp);
    await writeRequestRecord(client, redis.prefix, 'warm-vote', { userId: 'minnow', model: 'warm-up-model' });
    expect((await jsonPost(`${quality.url}/v1/feedback`, { request_id: 'warm-vote', thumbs_up: true })).status).toBe(200);
    await waitFor(async () => expect(await processed()).toBe(warmUp.length), { timeoutMs: 20_000 });
    await waitFor(async () => expect((await llmSeries()).get('llm_cost_by_user_dollars')?.size).toBe(TOP_USERS + 1));
    const before = await llmSeries();

    const made = Array.from({ length: DISTINCT }, (_, i) => `made-up-${i}-${Math.random().toString(36).slice(2, 8)}`);
    await events.publish(...made.map((name) => generationEvent({ requestId: `req-${name}`, model: name, userId: `user-${name}`, costUsd: 0.0001 })));
    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    for (const [i, name] of made.entries()) {
      if (i % 2 === 0) {
        await writeRequestRecord(client, redis.prefix, `vote-${name}`, { userId: `user-${name}`, model: name });
        count((await jsonPost(`${quality.url}/v1/feedback`, { request_id: `vote-${name}`, thumbs_up: i % 4 === 0 }, { 'x-user-id': `header-${name}` })).status);
      } else {
        count((await fetch(`${quality.url}/v1/${name}`, { headers: { 'x-request-id': `rid-${name}` } })).status);
        count((await fetch(`${quality.url}/v1/spend/user-${name}`)).status);
      }
    }
    expect(statuses.get(200)).toBe(DISTINCT);
    expect(statuses.get(404)).toBe(DISTINCT / 2);
    await waitFor(async () => expect(await processed()).toBe(warmUp.length + DISTINCT), { timeoutMs: 60_000 });
    // one refresh of the gauges after the last event
    await new Promise((resolve) => setTimeout(resolve, 300));

    const after = await llmSeries();
    const added = seriesAdded(before, after);
    // the families that grew by more than one series, with what they grew by (none expected)
    expect(Object.fromEntries([...added].filter(([, labelSets]) => labelSets.length > 1))).toEqual({});
    const everything = [...after.values()].flatMap((labelSets) => [...labelSets]).join('\n');
    expect(everything).not.toMatch(/made-up|user-|header-|rid-/);
    expect(after.get('llm_cost_by_user_dollars')?.size).toBe(TOP_USERS + 1);
  });
});
