import { feedbackKey, requestRecordKey, totalSpendByDayKey, userSpendByDayKey, userSpendKey } from '@tokenscope/queue-contracts';
import { startRedis, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { type GenerationFacts, RedisQualityStore } from '../src/store/quality-store.js';
import { writeRequestRecord } from './quality-harness.js';

describe(RedisQualityStore.name, () => {
  let redis: TestRedis;
  let client: Redis;
  let prefixCounter = 0;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  function storeWith(windowSize: number) {
    const prefix = `${redis.prefix}s${++prefixCounter}`;
    return { prefix, store: new RedisQualityStore(client, { prefix, windowSize, dedupTtlSeconds: 3600, feedbackTtlSeconds: 3600 }) };
  }

  const facts = (requestId: string, overrides: Partial<GenerationFacts> = {}): GenerationFacts => ({
    requestId,
    publicId: requestId,
    userId: 'alice',
    model: 'sim-fast',
    isSuccess: true,
    isRefusal: false,
    grounding: 'not_checked',
    costUsd: 0.25,
    costDay: '2026-03-10',
    status: 'success',
    finishedAtMs: 1_773_100_000_000,
    ...overrides,
  });

  it('writes the request record the gateway could not write, and never overwrites one', async () => {
    const { prefix, store } = storeWith(10);
    await store.ingest(facts('no-record', { userId: 'carol' }));
    expect(await client.hgetall(requestRecordKey(prefix, 'no-record'))).toEqual({
      userId: 'carol',
      model: 'sim-fast',
      status: 'success',
      finishedAtMs: '1773100000000',
    });
    expect(await client.ttl(requestRecordKey(prefix, 'no-record'))).toBeGreaterThan(0);

    await client.hset(requestRecordKey(prefix, 'has-record'), { userId: 'dave', model: 'sim-large', status: 'success', finishedAtMs: '1' });
    await store.ingest(facts('has-record', { userId: 'mallory' }));
    expect(await client.hget(requestRecordKey(prefix, 'has-record'), 'userId')).toBe('dave');

    await store.ingest(facts('was-rejected', { status: 'rejected', isSuccess: false, costUsd: 0 }));
    expect(await client.exists(requestRecordKey(prefix, 'was-rejected'))).toBe(0);
  });

  it('counts a request id once: a second ingest changes no count and no cost', async () => {
    const { prefix, store } = storeWith(10);
    expect(await store.ingest(facts('r1', { isRefusal: true }))).toBe('processed');
    const window = await store.window();
    expect(await store.ingest(facts('r1', { isRefusal: true }))).toBe('duplicate');
    expect(await store.ingest(facts('r1', { isRefusal: false, costUsd: 5 }))).toBe('duplicate');
    expect(await store.window()).toEqual(window);
    expect(window).toEqual({ generations: 1, refusals: 1, checked: 0, ungrounded: 0, votes: 0, up: 0 });
    expect(await client.zscore(userSpendByDayKey(prefix, '2026-03-10'), 'alice')).toBe('0.25');
    expect(await client.get(totalSpendByDayKey(prefix, '2026-03-10'))).toBe('0.25');
    expect(await client.zscore(userSpendKey(prefix), 'alice')).toBe('0.25');
  });

  it('keeps the last N successful generations: evicted entries leave every count, their votes included', async () => {
    const { prefix, store } = storeWith(3);
    for (const id of ['a', 'b', 'c']) await writeRequestRecord(client, prefix, id, { userId: 'alice' });
    await store.ingest(facts('a', { isRefusal: true }));
    await store.ingest(facts('b', { grounding: 'ungrounded' }));
    await store.ingest(facts('c', { grounding: 'grounded' }));
    await store.recordVote({ requestId: 'a', isThumbsUp: false, comment: undefined, atMs: 1, ownerUserId: 'alice', model: 'sim-fast' });
    await store.recordVote({ requestId: 'c', isThumbsUp: true, comment: 'good', atMs: 2, ownerUserId: 'alice', model: 'sim-fast' });
    expect(await store.window()).toEqual({ generations: 3, refusals: 1, checked: 2, ungrounded: 1, votes: 2, up: 1 });
    await store.ingest(facts('d', { isSuccess: false })); // not a successful generation: cost only
    expect((await store.window()).generations).toBe(3);
    await store.ingest(facts('e'));
    await store.ingest(facts('f'));
    // a and b evicted: the refusal, the ungrounded one and the down vote leave
    expect(await store.window()).toEqual({ generations: 3, refusals: 0, checked: 1, ungrounded: 0, votes: 1, up: 1 });
  });

  it('picks up a vote cast before its generation event, and moves it when the vote changes', async () => {
    const { prefix, store } = storeWith(10);
    await writeRequestRecord(client, prefix, 'early', { userId: 'bob' });
    expect(await store.recordVote({ requestId: 'early', isThumbsUp: true, comment: 'fast', atMs: 10, ownerUserId: 'bob', model: 'sim-fast' })).toEqual({
      status: 'new',
      isInWindow: false,
    });
    expect(await store.window()).toEqual({ generations: 0, refusals: 0, checked: 0, ungrounded: 0, votes: 0, up: 0 });
    await store.ingest(facts('early', { userId: 'bob' }));
    expect(await store.window()).toEqual({ generations: 1, refusals: 0, checked: 0, ungrounded: 0, votes: 1, up: 1 });
    expect(await store.recordVote({ requestId: 'early', isThumbsUp: false, comment: undefined, atMs: 20, ownerUserId: 'bob', model: 'sim-fast' })).toEqual({
      status: 'changed',
      isInWindow: true,
    });
    expect(await store.recordVote({ requestId: 'early', isThumbsUp: false, comment: undefined, atMs: 30, ownerUserId: 'bob', model: 'sim-fast' })).toEqual({
      status: 'same',
      isInWindow: true,
    });
    expect(await store.window()).toEqual({ generations: 1, refusals: 0, checked: 0, ungrounded: 0, votes: 1, up: 0 });
    expect(await client.hgetall(feedbackKey(prefix, 'early'))).toEqual({
      thumbsUp: '0',
      userId: 'bob',
      model: 'sim-fast',
      firstVotedAtMs: '10',
      votedAtMs: '30',
      changes: '1',
    });
  });

  it('refuses a vote once the request record is gone', async () => {
    const { store } = storeWith(10);
    expect(await store.recordVote({ requestId: 'never', isThumbsUp: true, comment: undefined, atMs: 1, ownerUserId: 'x', model: 'm' })).toEqual({ status: 'missing' });
  });
});
