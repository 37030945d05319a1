import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpuSampleBookedKey, modelSpendKey, totalSpendByDayKey, totalSpendKey, userSpendKey } from '@tokenscope/queue-contracts';
import { sampleSum, sampleValue, startRedis, waitFor, type Samples, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { GPU_COST_GROUP } from '../src/gpu-cost/gpu-samples.consumer.js';
import { FakeClock, GPU_SAMPLE_COST_USD as SAMPLE_COST_USD, GpuSampleStream, gpuSampleOf, startQuality, usd, type RunningQuality } from './quality-harness.js';

const MODEL = 'sim-local-8b';

const MODELS_YAML = `
models:
  - name: sim-local-8b
    backend: simulator
    gpu_hourly_usd: 2.5
  - name: sim-fast
    backend: simulator
    price: { input_per_1k_usd: 0.00015, output_per_1k_usd: 0.0006 }
  - name: unpriced-local
    backend: simulator
`;

const consumed = (samples: Samples, outcome: string) => sampleValue(samples, 'llm_queue_events_consumed_total', { queue: 'gpu-samples', outcome });
const gpuCost = (samples: Samples) => sampleValue(samples, 'llm_gpu_cost_dollars_total', { model: MODEL });
const unattributed = (samples: Samples, reason: string) => sampleValue(samples, 'llm_gpu_samples_unattributed_total', { reason });

describe('GPU-time cost booked from the GPU samples stream', () => {
  // Kolkata is UTC+05:30: 18:40Z on the 10th is 00:10 on the 11th there, so a UTC day would be wrong
  const TIME_ZONE = 'Asia/Kolkata';
  const SAMPLED_AT_MS = Date.parse('2026-03-10T18:40:00Z');
  const COST_DAY = '2026-03-11';
  let dir: string;
  let redis: TestRedis;
  let client: Redis;
  let stream: GpuSampleStream;
  let quality: RunningQuality;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quality-gpu-cost-'));
    writeFileSync(join(dir, 'models.yaml'), MODELS_YAML);
    redis = await startRedis();
    client = new Redis(redis.url);
    stream = new GpuSampleStream(client, redis.prefix);
    quality = await startQuality(
      { REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, MODELS_FILE: join(dir, 'models.yaml'), COST_TIMEZONE: TIME_ZONE },
      { clock: new FakeClock(Date.parse('2026-03-10T18:45:00Z')) },
    );
  });

  afterAll(async () => {
    await quality?.close();
    client?.disconnect();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts every series at 0: the cost of each GPU-priced model, each unattributed reason, each outcome', async () => {
    const samples = await quality.metrics();
    expect([...samples.keys()].filter((key) => key.startsWith('llm_gpu_cost_dollars_total'))).toEqual([`llm_gpu_cost_dollars_total{model="${MODEL}"}`]);
    expect(gpuCost(samples)).toBe(0);
    for (const reason of ['no_model', 'unknown_model', 'token_priced', 'no_gpu_price']) expect({ reason, value: unattributed(samples, reason) }).toEqual({ reason, value: 0 });
    expect(samples.has('llm_queue_events_consumed_total{outcome="invalid",queue="gpu-samples"}')).toBe(true);
  });

  it("books a sample's GPU time at the model's GPU price: on /metrics, in the model's spend and in the day's total", async () => {
    await stream.publish(gpuSampleOf({ host: 'gpu-node-1', sampledAtMs: SAMPLED_AT_MS }));

    await waitFor(async () => expect(consumed(await quality.metrics(), 'processed')).toBe(1));
    expect(await client.hgetall(modelSpendKey(redis.prefix))).toEqual({ [MODEL]: '0.006944444444' });
    // the cost day of sampledAtMs in COST_TIMEZONE, with the ledger's day-key expiry
    expect(await client.get(totalSpendByDayKey(redis.prefix, COST_DAY))).toBe('0.006944444444');
    expect(await client.exists(totalSpendByDayKey(redis.prefix, '2026-03-10'))).toBe(0);
    expect(await client.ttl(totalSpendByDayKey(redis.prefix, COST_DAY))).toBeGreaterThan(7 * 86_400);
    // the guard, with QUALITY_GPU_DEDUP_TTL_SECONDS
    const guardTtl = await client.ttl(gpuSampleBookedKey(redis.prefix, 'gpu-node-1', SAMPLED_AT_MS));
    expect(guardTtl).toBeGreaterThan(86_000);
    expect(guardTtl).toBeLessThanOrEqual(86_400);
    // nobody's request: no user spend, and the all-time total behind user_id="other" is untouched
    expect(await client.exists(userSpendKey(redis.prefix), totalSpendKey(redis.prefix))).toBe(0);
    expect(await stream.pendingCount(GPU_COST_GROUP)).toBe(0);

    await waitFor(async () => {
      const samples = await quality.metrics();
      expect({
        gpuCost: gpuCost(samples),
        daily: sampleValue(samples, 'llm_daily_cost_dollars'),
        byModel: sampleValue(samples, 'llm_cost_by_model_dollars', { model: MODEL }),
        byUser: sampleSum(samples, 'llm_cost_by_user_dollars'),
      }).toEqual({ gpuCost: SAMPLE_COST_USD, daily: SAMPLE_COST_USD, byModel: SAMPLE_COST_USD, byUser: 0 });
    });
  });

  it('books a sample read twice once, and another host at the same instant separately', async () => {
    const again = gpuSampleOf({ host: 'gpu-node-1', sampledAtMs: SAMPLED_AT_MS });
    await stream.publish(again, again, gpuSampleOf({ host: 'gpu-node-2', sampledAtMs: SAMPLED_AT_MS }));

    await waitFor(async () => {
      const samples = await quality.metrics();
      expect({ processed: consumed(samples, 'processed'), duplicate: consumed(samples, 'duplicate') }).toEqual({ processed: 2, duplicate: 2 });
    });
    const samples = await quality.metrics();
    expect(gpuCost(samples)).toBe(0.013888888888);
    expect(await client.hget(modelSpendKey(redis.prefix), MODEL)).toBe('0.013888888888');
    expect(await client.get(totalSpendByDayKey(redis.prefix, COST_DAY))).toBe('0.013888888888');
  });

  it('counts samples it cannot price, by reason, warns once per model, and never books them at $0', async () => {
    await stream.publish(
      gpuSampleOf({ model: null, sampledAtMs: SAMPLED_AT_MS + 5000 }),
      gpuSampleOf({ model: null, sampledAtMs: SAMPLED_AT_MS + 10_000 }),
      gpuSampleOf({ model: 'not-configured', sampledAtMs: SAMPLED_AT_MS + 5000, host: 'gpu-node-3' }),
      gpuSampleOf({ model: 'sim-fast', sampledAtMs: SAMPLED_AT_MS + 5000, host: 'gpu-node-4' }),
      gpuSampleOf({ model: 'unpriced-local', sampledAtMs: SAMPLED_AT_MS + 5000, host: 'gpu-node-5' }),
      gpuSampleOf({ model: 'unpriced-local', sampledAtMs: SAMPLED_AT_MS + 10_000, host: 'gpu-node-5' }),
    );

    await waitFor(async () => expect(consumed(await quality.metrics(), 'unattributed')).toBe(6));
    const samples = await quality.metrics();
    expect({
      no_model: unattributed(samples, 'no_model'),
      unknown_model: unattributed(samples, 'unknown_model'),
      token_priced: unattributed(samples, 'token_priced'),
      no_gpu_price: unattributed(samples, 'no_gpu_price'),
    }).toEqual({ no_model: 2, unknown_model: 1, token_priced: 1, no_gpu_price: 2 });
    expect(consumed(samples, 'processed')).toBe(2);
    expect(gpuCost(samples)).toBe(0.013888888888);
    expect([...samples.keys()].filter((key) => key.startsWith('llm_gpu_cost_dollars_total'))).toHaveLength(1);
    expect(await client.hgetall(modelSpendKey(redis.prefix))).toEqual({ [MODEL]: '0.013888888888' });
    expect(await stream.pendingCount(GPU_COST_GROUP)).toBe(0);
    const warnings = quality.logs.withMessage('gpu samples not priced').map((line) => [line.reason, line.model]);
    expect(warnings).toEqual([
      ['no_model', null],
      ['unknown_model', 'not-configured'],
      ['token_priced', 'sim-fast'],
      ['no_gpu_price', 'unpriced-local'],
    ]);
  });

  it('counts and acknowledges entries that fail the contract, without retrying them', async () => {
    await stream.addFields('sample', '{"v":1,"host":"gpu-node-1"');
    await stream.addFields('sample', JSON.stringify({ ...gpuSampleOf({ sampledAtMs: SAMPLED_AT_MS + 15_000 }), v: 2 }));
    await stream.addFields('snapshot', JSON.stringify(gpuSampleOf({ sampledAtMs: SAMPLED_AT_MS + 20_000 })));
    // a valid sample behind them: once it is booked, the three before it were handled
    await stream.publish(gpuSampleOf({ sampledAtMs: SAMPLED_AT_MS + 25_000 }));

    await waitFor(async () => expect(consumed(await quality.metrics(), 'processed')).toBe(3));
    const samples = await quality.metrics();
    expect(consumed(samples, 'invalid')).toBe(3);
    expect(consumed(samples, 'failed')).toBe(0);
    expect(gpuCost(samples)).toBe(usd(3 * SAMPLE_COST_USD));
    expect(await stream.pendingCount(GPU_COST_GROUP)).toBe(0);
    expect(quality.logs.withMessage('invalid gpu samples dropped')).toHaveLength(1);
  });
});
