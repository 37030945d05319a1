import { gpuSamplesStreamKey, parseGpuSample, gpuLatestKey } from '@tokenscope/queue-contracts';
import { sampleValue, waitFor } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { ManualClock, useFakeGpuHost } from './gpu-agent-harness.js';

const queue = { queue: 'gpu-samples' };

describe('publishing while Redis is down', () => {
  const clock = new ManualClock(1_767_225_600_000);

  const host = useFakeGpuHost({ GPU_AGENT_PUBLISH_BUFFER: '2' }, { clock });

  beforeAll(async () => {
    await waitFor(() => expect(host.agent.publisher.pending).toBe(0));
  });

  it('keeps sampling, holds the newest samples up to the bound, and writes them when Redis is back', async () => {
    const before = await host.agent.metrics();
    expect(sampleValue(before, 'llm_queue_events_published_total', queue)).toBe(1); // the boot sample
    await host.redis.kill();

    for (const at of [1_767_225_605_000, 1_767_225_610_000, 1_767_225_615_000]) {
      clock.set(at);
      await host.agent.sampling.sampleNow();
    }
    await host.agent.publisher.flush();
    const during = await host.agent.metrics();
    // sampling went on: metrics are fresh and the agent stays ready, reporting Redis as degraded
    expect(sampleValue(during, 'llm_gpu_agent_gpus')).toBe(8);
    expect(sampleValue(during, 'llm_gpu_agent_last_sample_age_seconds')).toBe(0);
    const ready = await host.agent.readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.checks.redis).not.toBe('ok');
    // three samples, room for two: the oldest is dropped and counted
    expect(host.agent.publisher.pending).toBe(2);
    expect(sampleValue(during, 'llm_queue_events_buffered', queue)).toBe(2);
    expect(sampleValue(during, 'llm_queue_events_dropped_total', { ...queue, reason: 'buffer_full' })).toBe(1);
    expect(host.agent.logs.withMessage('gpu samples held back: redis unavailable')).toHaveLength(1);

    await host.redis.restart(); // the same port, empty
    const client = new Redis(host.redis.url);
    try {
      await waitFor(async () => expect(await client.xlen(gpuSamplesStreamKey(host.redis.prefix))).toBe(2), { timeoutMs: 20_000 });
      const entries = (await client.xrange(gpuSamplesStreamKey(host.redis.prefix), '-', '+')) as Array<[string, string[]]>;
      expect(entries.map(([, fields]) => parseGpuSample(fields[1]!).sampledAtMs)).toEqual([1_767_225_610_000, 1_767_225_615_000]);
      // only the newest sample sets the latest snapshots
      const latest = JSON.parse((await client.get(gpuLatestKey(host.redis.prefix, 'gpu-node-07', 'GPU-4b2f7c1e-93a0-5d86-1f2e-7a9c0b3d5e61')))!) as { sampledAtMs: number };
      expect(latest.sampledAtMs).toBe(1_767_225_615_000);
    } finally {
      client.disconnect();
    }
    const after = await host.agent.metrics();
    expect(host.agent.publisher.pending).toBe(0);
    expect(sampleValue(after, 'llm_queue_events_published_total', queue)).toBe(3);
    expect(sampleValue(after, 'llm_queue_events_buffered', queue)).toBe(0);
    expect(host.agent.logs.withMessage('gpu samples flowing again')).toHaveLength(1);
  });
});
