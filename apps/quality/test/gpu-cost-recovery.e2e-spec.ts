import { modelSpendKey } from '@tokenscope/queue-contracts';
import { startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { GPU_COST_GROUP, GpuSamplesConsumer } from '../src/gpu-cost/gpu-samples.consumer.js';
import { GPU_SAMPLE_COST_USD, GpuSampleStream, gpuSampleOf, startQuality, usd, type RunningQuality } from './quality-harness.js';

// One app per file: log lines outside a request go to the first app's capture in a process (nestjs-pino's root logger).
describe('GPU samples left pending by a dead consumer, and a Redis that restarts empty', () => {
  const CLAIM_IDLE_MS = 200;
  let redis: TestRedis;
  let client: Redis;
  let stream: GpuSampleStream;
  let quality: RunningQuality | undefined;
  // debug: the consumer logs every sample it books
  const booked = () => quality!.logs.withMessage('gpu time booked').map((line) => line.sampledAtMs);

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    stream = new GpuSampleStream(client, redis.prefix);
  });

  afterAll(async () => {
    await quality?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it('claims and books them once their owner has been idle for QUALITY_GPU_CLAIM_IDLE_MS; the dead consumer leaves the group', async () => {
    // a replica that read three samples and died before acknowledging them
    await client.xgroup('CREATE', stream.key, GPU_COST_GROUP, '0', 'MKSTREAM');
    const startMs = Date.parse('2026-03-10T12:00:00Z');
    await stream.publish(...[0, 1, 2].map((i) => gpuSampleOf({ sampledAtMs: startMs + i * 5000 })));
    await client.xreadgroup('GROUP', GPU_COST_GROUP, 'dead-replica', 'COUNT', 10, 'STREAMS', stream.key, '>');
    expect(await stream.consumers(GPU_COST_GROUP)).toEqual([{ name: 'dead-replica', pending: 3 }]);

    quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, QUALITY_GPU_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS), LOG_LEVEL: 'debug' });
    await waitFor(async () => expect(booked()).toEqual([startMs, startMs + 5000, startMs + 10_000]));
    expect(await client.hget(modelSpendKey(redis.prefix), 'sim-local-8b')).toBe(String(usd(3 * GPU_SAMPLE_COST_USD)));
    expect(await stream.pendingCount(GPU_COST_GROUP)).toBe(0);
    expect(quality.logs.withMessage('gpu samples of an unresponsive consumer claimed').map((line) => line.entries)).toEqual([3]);

    // new samples still reach the live consumer; the dead one is removed once idle for 10 claim idle times
    await stream.publish(gpuSampleOf({ sampledAtMs: startMs + 15_000 }));
    await waitFor(async () => expect(booked()).toHaveLength(4));
    const name = quality.app.get(GpuSamplesConsumer).consumerName;
    await waitFor(async () => expect(await stream.consumers(GPU_COST_GROUP)).toEqual([{ name, pending: 0 }]), { timeoutMs: 15_000 });
    expect(quality.logs.withMessage('idle gpu samples consumer removed from the group').map((line) => line.consumer)).toEqual(['dead-replica']);
    expect(await client.hget(modelSpendKey(redis.prefix), 'sim-local-8b')).toBe(String(usd(4 * GPU_SAMPLE_COST_USD)));
  });

  it('goes on after Redis restarts empty: the group is created again and new samples are booked', async () => {
    await redis.kill();
    await redis.restart();
    const restarted = new Redis(redis.url);
    try {
      const samples = new GpuSampleStream(restarted, redis.prefix);
      const before = booked().length;
      // written while the consumer reconnects: the group it creates again starts at the beginning of the stream
      const startMs = Date.parse('2026-03-11T12:00:00Z');
      await samples.publish(...[0, 1].map((i) => gpuSampleOf({ sampledAtMs: startMs + i * 5000 })));
      await waitFor(async () => expect(booked().length - before).toBe(2), { timeoutMs: 20_000 });
      expect(await restarted.hget(modelSpendKey(redis.prefix), 'sim-local-8b')).toBe(String(usd(2 * GPU_SAMPLE_COST_USD)));
      expect(await samples.pendingCount(GPU_COST_GROUP)).toBe(0);
      expect(quality!.logs.withMessage('gpu samples read again')).toHaveLength(1);
    } finally {
      restarted.disconnect();
    }
  });
});
