import { requestRecordKey } from '@tokenscope/queue-contracts';
import { startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { RequestRecordWriter } from '../src/admission/request-record-writer.js';

describe(RequestRecordWriter.name, () => {
  let redis: TestRedis;
  let client: Redis;
  let offline: Redis | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    await waitFor(async () => expect(client.status).toBe('ready'));
  });

  afterAll(async () => {
    offline?.disconnect();
    client?.disconnect();
    await redis?.stop();
  });

  const key = (requestId: string) => requestRecordKey(redis.prefix, requestId);
  const options = { timeoutMs: 50, ttlSeconds: 600, claimTtlSeconds: 900, pendingLimit: 2, pendingLimitBytes: 1_000_000 };

  it('writes the record, with its TTL, before write() returns', async () => {
    const writer = new RequestRecordWriter(client, { ...options, prefix: redis.prefix });
    await writer.write('now-1', { userId: 'alice', model: 'sim-fast', status: 'success' });
    expect(await client.hgetall(key('now-1'))).toMatchObject({ userId: 'alice', model: 'sim-fast', status: 'success' });
    expect(Number((await client.hgetall(key('now-1'))).finishedAtMs)).toBeGreaterThan(Date.now() - 60_000);
    expect(await client.ttl(key('now-1'))).toBeGreaterThan(590);
    expect(writer.pendingCount).toBe(0);
  });

  it('keeps the newest records while Redis is unreachable and writes them when it is ready, without overwriting one already there', async () => {
    // a client that has not connected yet stands for one whose Redis is down
    offline = new Redis(redis.url, { lazyConnect: true });
    const writer = new RequestRecordWriter(offline, { ...options, prefix: redis.prefix });
    await writer.write('out-1', { userId: 'u1', model: 'sim-fast', status: 'success' });
    await writer.write('out-2', { userId: 'u2', model: 'sim-fast', status: 'error' });
    await writer.write('out-3', { userId: 'u3', model: 'sim-large', status: 'success' });
    expect(writer.pendingCount).toBe(2);

    // meanwhile the quality service rebuilt out-3's record from its event (with its own fields)
    await client.hset(key('out-3'), { userId: 'u3', model: 'sim-large', status: 'success', finishedAtMs: '1' });

    await offline.connect();
    await waitFor(async () => expect(writer.pendingCount).toBe(0));
    await waitFor(async () => expect(await client.hgetall(key('out-2'))).toMatchObject({ userId: 'u2', model: 'sim-fast', status: 'error' }));
    expect(await client.ttl(key('out-2'))).toBeGreaterThan(590);
    // out-1 was the oldest beyond the bound of 2
    expect(await client.exists(key('out-1'))).toBe(0);
    // out-3 was already there: left as it was
    expect((await client.hgetall(key('out-3'))).finishedAtMs).toBe('1');
  });

  it('claims a caller id only while no record has it, and never writes over another user’s record', async () => {
    const writer = new RequestRecordWriter(client, { ...options, prefix: redis.prefix });
    expect(await writer.claim('shared-1', 'own-a', { userId: 'alice', model: 'sim-fast' })).toBe('shared-1');
    expect(await client.hgetall(key('shared-1'))).toMatchObject({ userId: 'alice', status: 'in_progress' });
    expect(await client.ttl(key('shared-1'))).toBeGreaterThan(890);
    // taken, by another user or by the same one: the later request is served under its own id
    expect(await writer.claim('shared-1', 'own-b', { userId: 'mallory', model: 'sim-fast' })).toBe('own-b');
    expect(await writer.claim('shared-1', 'own-c', { userId: 'alice', model: 'sim-fast' })).toBe('own-c');

    await writer.write('shared-1', { userId: 'mallory', model: 'sim-large', status: 'success' });
    expect(await client.hgetall(key('shared-1'))).toMatchObject({ userId: 'alice', model: 'sim-fast', status: 'in_progress' });
    await writer.write('shared-1', { userId: 'alice', model: 'sim-fast', status: 'success' });
    expect(await client.hgetall(key('shared-1'))).toMatchObject({ userId: 'alice', status: 'success' });
    expect(await client.ttl(key('shared-1'))).toBeLessThanOrEqual(600);
    // finished: not even its owner's later write replaces it
    await writer.write('shared-1', { userId: 'alice', model: 'sim-fast', status: 'error' });
    expect((await client.hgetall(key('shared-1'))).status).toBe('success');
  });

  it('claims nothing while Redis is unreachable: the request is served under its own id', async () => {
    const down = new Redis(redis.url, { lazyConnect: true });
    try {
      const writer = new RequestRecordWriter(down, { ...options, prefix: redis.prefix });
      expect(await writer.claim('down-1', 'own-d', { userId: 'alice', model: 'sim-fast' })).toBe('own-d');
      expect(await client.exists(key('down-1'))).toBe(0);
    } finally {
      down.disconnect();
    }
  });

  it('bounds the records waiting for Redis in bytes as well as in count', async () => {
    const down = new Redis(redis.url, { lazyConnect: true });
    try {
      // each record here holds ~2 x 300 characters + 200 bytes: three fit in 2,500 bytes, four do not
      const writer = new RequestRecordWriter(down, { ...options, prefix: redis.prefix, pendingLimit: 1000, pendingLimitBytes: 2500 });
      for (let i = 0; i < 10; i++) await writer.write(`bytes-${i}`, { userId: 'u'.repeat(280), model: 'sim-fast', status: 'success' });
      expect(writer.pendingCount).toBe(3);
    } finally {
      down.disconnect();
    }
  });
});
