import type { RequestEntry } from '@tokenscope/console-contract';
import { feedbackKey } from '@tokenscope/queue-contracts';
import { startRedis, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { RedisRequestLog, requestLogBytesKey, requestLogEntriesKey, requestLogOrderKey, type RequestLogOptions } from '../src/console/request-log.js';
import { requestEntry } from './request-entries.js';

const NOW = 1_780_000_000_000;

function entry(id: string, finishedAtMs: number, overrides: Partial<RequestEntry> = {}): RequestEntry {
  return requestEntry({ id, finishedAtMs, ...overrides });
}

describe(RedisRequestLog.name, () => {
  let redis: TestRedis;
  let client: Redis;
  let counter = 0;
  let now = NOW;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  function logWith(options: Partial<RequestLogOptions> = {}) {
    const prefix = `${redis.prefix}c${++counter}`;
    now = NOW;
    const log = new RedisRequestLog(client, { prefix, maxEntries: 1000, maxBytes: 1024 * 1024, maxAgeMs: 86_400_000, ...options }, () => now);
    return { prefix, log };
  }

  /** The three keys agree: same ids in the set and the hash, and the byte counter is the sum of the values. */
  async function expectConsistent(prefix: string): Promise<{ entries: number; bytes: number }> {
    const ids = await client.zrange(requestLogOrderKey(prefix), '0', '-1');
    const hash = await client.hgetall(requestLogEntriesKey(prefix));
    expect(Object.keys(hash).sort()).toEqual([...ids].sort());
    const bytes = Object.values(hash).reduce((sum, value) => sum + Buffer.byteLength(value), 0);
    expect(Number(await client.get(requestLogBytesKey(prefix)))).toBe(bytes);
    return { entries: ids.length, bytes };
  }

  it('lists newest first and keeps the first entry of a request id', async () => {
    const { log } = logWith();
    expect(await log.record(entry('a', NOW - 3000))).toBe('added');
    expect(await log.record(entry('b', NOW - 1000))).toBe('added');
    expect(await log.record(entry('c', NOW - 2000))).toBe('added');
    expect(await log.record(entry('a', NOW, { user: 'mallory' }))).toBe('present');
    const listed = await log.newest({ sinceMs: 0, limit: 10 });
    expect(listed.map((e) => e.id)).toEqual(['b', 'c', 'a']);
    expect(listed[2]!.user).toBe('alice');
    expect(await log.get('a')).toMatchObject({ user: 'alice', finishedAtMs: NOW - 3000 });
  });

  it('drops the oldest entries past its count, atomically, however many replicas write at once', async () => {
    const { prefix, log } = logWith({ maxEntries: 50 });
    await Promise.all(Array.from({ length: 400 }, (_, i) => log.record(entry(`r${i}`, NOW - 400 + i))));
    const { entries } = await expectConsistent(prefix);
    expect(entries).toBe(50);
    const listed = await log.newest({ sinceMs: 0, limit: 1000 });
    expect(listed.map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, i) => `r${399 - i}`));
  });

  it('drops the oldest entries past its bytes', async () => {
    const oneEntryBytes = Buffer.byteLength(JSON.stringify(entry('r000', NOW)));
    const { prefix, log } = logWith({ maxBytes: oneEntryBytes * 10 + 5 });
    for (let i = 0; i < 30; i++) await log.record(entry(`r${String(i).padStart(3, '0')}`, NOW - 30 + i));
    const { entries, bytes } = await expectConsistent(prefix);
    expect(entries).toBe(10);
    expect(bytes).toBeLessThanOrEqual(oneEntryBytes * 10 + 5);
    expect(await log.size()).toEqual({ entries: 10, bytes });
    expect((await log.newest({ sinceMs: 0, limit: 100 })).at(-1)!.id).toBe('r020');
  });

  it('drops entries past their age on the next write, and never shows them meanwhile', async () => {
    const { prefix, log } = logWith({ maxAgeMs: 60_000 });
    await log.record(entry('old', NOW - 50_000));
    await log.record(entry('new', NOW - 1_000));
    now = NOW + 20_000;
    expect((await log.newest({ sinceMs: 0, limit: 10 })).map((e) => e.id)).toEqual(['new']);
    expect(await log.get('old')).toBeUndefined();
    await log.record(entry('newest', NOW + 19_000));
    expect((await expectConsistent(prefix)).entries).toBe(2);
  });

  it('filters across chunks until it has enough, and reads votes', async () => {
    const { prefix, log } = logWith({ maxEntries: 5000 });
    const pipeline = client.pipeline();
    for (let i = 0; i < 1200; i++) pipeline.hset(requestLogEntriesKey(prefix), `r${i}`, JSON.stringify(entry(`r${i}`, NOW - 1200 + i, { user: i % 400 === 7 ? 'bob' : 'alice' })));
    for (let i = 0; i < 1200; i++) pipeline.zadd(requestLogOrderKey(prefix), NOW - 1200 + i, `r${i}`);
    await pipeline.exec();
    const bobs = await log.newest({ sinceMs: 0, limit: 10, accept: (e) => e.user === 'bob' });
    expect(bobs.map((e) => e.id)).toEqual(['r807', 'r407', 'r7']);
    expect((await log.newest({ sinceMs: NOW - 100, limit: 1000 })).length).toBe(100);
    await client.hset(feedbackKey(prefix, 'r7'), { thumbsUp: '0' });
    await client.hset(feedbackKey(prefix, 'r407'), { thumbsUp: '1' });
    expect(await log.votesOf(['r807', 'r407', 'r7'])).toEqual([null, 'up', 'down']);
  });
});
