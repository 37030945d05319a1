import { gpuSamplesStreamKey, parseGpuSample } from '@tokenscope/queue-contracts';
import { sampleValue, startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { FakeNvidiaSmi, ManualClock, startGpuAgent, type RunningGpuAgent } from './gpu-agent-harness.js';

const queue = { queue: 'gpu-samples' };

describe('publishing while Redis is down', () => {
  let redis: TestRedis;
  let fake: FakeNvidiaSmi;
  let agent: RunningGpuAgent;
  const clock = new ManualClock(1_767_225_600_000);

  beforeAll(async () => {
    redis = await startRedis();
    fake = FakeNvidiaSmi.create('h100-sxm-8');
    agent = await startGpuAgent(
      { REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, GPU_AGENT_NVIDIA_SMI: fake.path, GPU_AGENT_PUBLISH_BUFFER: '2' },
      { clock },
    );
    await waitFor(() => expect(agent.publisher.pending).toBe(0));
  });

  afterAll(async () => {
    await agent?.close();
    fake?.dispose();
    await redis?.stop();
  });

  it('keeps sampling, holds the newest samples up to the bound, and writes them when Redis is back', async () => {
    const before = await agent.metrics();
    expect(sampleValue(before, 'llm_queue_events_published_total', queue)).toBe(1); // the boot sample
    await redis.kill();

    for (const at of [1_767_225_605_000, 1_767_225_610_000, 1_767_225_615_000]) {
      clock.set(at);
      await agent.sampling.sampleNow();
    }
    await agent.publisher.flush();
    const during = await agent.metrics();
    // sampling went on: metrics are fresh and the agent stays ready, reporting Redis as degraded
    expect(sampleValue(during, 'llm_gpu_agent_gpus')).toBe(8);
    expect(sampleValue(during, 'llm_gpu_agent_last_sample_age_seconds')).toBe(0);
    const ready = await agent.readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.checks.redis).not.toBe('ok');
    // three samples, room for two: the oldest is dropped and counted
    expect(agent.publisher.pending).toBe(2);
    expect(sampleValue(during, 'llm_queue_events_buffered', queue)).toBe(2);
    expect(sampleValue(during, 'llm_queue_events_dropped_total', { ...queue, reason: 'buffer_full' })).toBe(1);
    expect(agent.logs.withMessage('gpu samples held back: redis unavailable')).toHaveLength(1);

    await redis.restart(); // the same port, empty
    const client = new Redis(redis.url);
    try {
      await waitFor(async () => expect(await client.xlen(gpuSamplesStreamKey(redis.prefix))).toBe(2), { timeoutMs: 20_000 });
      const entries = (await client.xrange(gpuSamplesStreamKey(redis.prefix), '-', '+')) as Array<[string, string[]]>;
      expect(entries.map(([, fields]) => parseGpuSample(fields[1]!).sampledAtMs)).toEqual([1_767_225_610_000, 1_767_225_615_000]);
      // only the newest sample sets the latest snapshots
      const latest = JSON.parse((await client.get(`${redis.prefix}:gpu-latest:gpu-node-07:GPU-4b2f7c1e-93a0-5d86-1f2e-7a9c0b3d5e61`))!) as { sampledAtMs: number };
      expect(latest.sampledAtMs).toBe(1_767_225_615_000);
    } finally {
      client.disconnect();
    }
    const after = await agent.metrics();
    expect(agent.publisher.pending).toBe(0);
    expect(sampleValue(after, 'llm_queue_events_published_total', queue)).toBe(3);
    expect(sampleValue(after, 'llm_queue_events_buffered', queue)).toBe(0);
    expect(agent.logs.withMessage('gpu samples flowing again')).toHaveLength(1);
  });
});
