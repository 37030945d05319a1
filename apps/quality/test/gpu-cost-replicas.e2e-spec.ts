import { modelSpendKey, totalSpendByDayKey } from '@tokenscope/queue-contracts';
import { sampleValue, startRedis, waitFor, type Samples, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { GpuCostRecorder } from '../src/gpu-cost/gpu-cost.recorder.js';
import { GPU_COST_GROUP, GpuSamplesConsumer } from '../src/gpu-cost/gpu-samples.consumer.js';
import { GPU_SAMPLE_COST_USD, GpuSampleStream, gpuSampleOf, startQuality, usd, type RunningQuality } from './quality-harness.js';

const MODEL = 'sim-local-8b';

/** Records what a replica's recorder is told to count (its share of llm_gpu_cost_dollars_total), then counts it as usual. */
function shareOf(instance: RunningQuality): Array<{ model: string; costUsd: number }> {
  const recorder = instance.app.get(GpuCostRecorder);
  const booked = recorder.booked.bind(recorder);
  const calls: Array<{ model: string; costUsd: number }> = [];
  recorder.booked = (model, costUsd) => {
    calls.push({ model, costUsd });
    booked(model, costUsd);
  };
  return calls;
}
const consumed = (samples: Samples, outcome: string) => sampleValue(samples, 'llm_queue_events_consumed_total', { queue: 'gpu-samples', outcome });

describe('GPU-time cost with two quality replicas on one Redis', () => {
  let redis: TestRedis;
  let client: Redis;
  let stream: GpuSampleStream;
  let first: RunningQuality;
  let second: RunningQuality;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    stream = new GpuSampleStream(client, redis.prefix);
    const env = { REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix };
    first = await startQuality(env);
    second = await startQuality(env);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it('books each sample exactly once between them, and what each replica counted adds up to the exact total', async () => {
    // Both app instances live in this process and share its prom-client registry, so /metrics of
    // either shows the sum of both replicas' increments (what PromQL's sum over replicas gives).
    // Each replica's own share is seen at the one place that increments its counter.
    const counted = [first, second].map(shareOf);
    // both replicas are reading (a consumer joins the group with its first read)
    await waitFor(async () => expect(await stream.consumers(GPU_COST_GROUP)).toHaveLength(2));
    const startMs = Date.parse('2026-03-10T12:00:00Z');
    const samples = Array.from({ length: 60 }, (_, i) => gpuSampleOf({ host: `gpu-node-${i % 4}`, sampledAtMs: startMs + Math.floor(i / 4) * 5000 }));
    // the agent writing a batch again (at-least-once): 10 of them twice
    for (const sample of [...samples, ...samples.slice(20, 30)]) await stream.publish(sample);

    await waitFor(
      async () => {
        const now = await first.metrics();
        expect({ processed: consumed(now, 'processed'), duplicate: consumed(now, 'duplicate') }).toEqual({ processed: 60, duplicate: 10 });
      },
      { timeoutMs: 20_000 },
    );
    // duplicates are exactly the ten written twice: no entry was delivered to both replicas
    const total = usd(60 * GPU_SAMPLE_COST_USD);
    expect(usd(sampleValue(await second.metrics(), 'llm_gpu_cost_dollars_total', { model: MODEL }))).toBe(total);
    expect(usd(Number(await client.hget(modelSpendKey(redis.prefix), MODEL)))).toBe(total);
    expect(usd(Number(await client.get(totalSpendByDayKey(redis.prefix, '2026-03-10'))))).toBe(total);
    expect(await stream.pendingCount(GPU_COST_GROUP)).toBe(0);

    expect(counted.map((calls) => calls.length > 0)).toEqual([true, true]);
    expect(counted[0]!.length + counted[1]!.length).toBe(60);
    expect(counted.flat().every((call) => call.model === MODEL && call.costUsd === GPU_SAMPLE_COST_USD)).toBe(true);
    expect(usd(counted.flat().reduce((sum, call) => sum + call.costUsd, 0))).toBe(total);
    const names = [first, second].map((instance) => instance.app.get(GpuSamplesConsumer).consumerName);
    expect((await stream.consumers(GPU_COST_GROUP)).map((c) => c.name).sort()).toEqual([...names].sort());
  });
});
