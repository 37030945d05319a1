import {
  gpuLatestKey,
  gpuLatestKeyPattern,
  gpuSamplesStreamKey,
  parseGpuSample,
  parseGpuSnapshot,
  type GpuStats,
} from '@tokenscope/queue-contracts';
import { sampleValue, waitFor, type Samples } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { ManualClock, PER_GPU_METRICS, seriesOf, useFakeGpuHost } from './gpu-agent-harness.js';

const HOST = 'gpu-node-07';
const H100 = 'NVIDIA H100 80GB HBM3';
const A100 = 'NVIDIA A100-SXM4-80GB';
const GPU0 = 'GPU-4b2f7c1e-93a0-5d86-1f2e-7a9c0b3d5e61';
const GPU3 = 'GPU-1e7b3d58-f6a2-4c09-9d3e-8b5a2c6f1d47';
const GPU4 = 'GPU-6a9c4e02-5b3d-8e17-4f6a-2d9b1c8e7a30';

const labels = (id: number, uuid: string, name: string) => ({ gpu_id: String(id), gpu_uuid: uuid, gpu_name: name, Hostname: HOST });

/** Every per-GPU value of one GPU, by metric. */
function valuesOf(samples: Samples, gpu: ReturnType<typeof labels>): Record<string, number | undefined> {
  return Object.fromEntries(PER_GPU_METRICS.map((metric) => [metric, samples.has(keyOf(metric, gpu)) ? sampleValue(samples, metric, gpu) : undefined]));
}

function keyOf(metric: string, gpu: ReturnType<typeof labels>): string {
  const parts = Object.keys(gpu)
    .sort()
    .map((k) => `${k}="${gpu[k as keyof typeof gpu]}"`);
  return `${metric}{${parts.join(',')}}`;
}

/** Per-GPU series that mention a GPU UUID, over all per-GPU metrics. */
function seriesMentioning(samples: Samples, uuid: string): string[] {
  return [...samples.keys()].filter((key) => PER_GPU_METRICS.some((m) => key.startsWith(`${m}{`)) && key.includes(`gpu_uuid="${uuid}"`));
}

describe('GPU metrics from recorded nvidia-smi output', () => {
  const clock = new ManualClock(1_767_225_600_000);

  const host = useFakeGpuHost({}, { clock });

  it('exports every field of an 8 x H100 host with exact values in SI units, labelled like dcgm-exporter', async () => {
    host.fake.use('h100-sxm-8');
    await host.agent.sampling.sampleNow();
    const samples = await host.agent.metrics();
    expect(valuesOf(samples, labels(0, GPU0, H100))).toEqual({
      llm_gpu_utilization_percent: 100,
      llm_gpu_memory_used_bytes: 77_817_970_688, // 74213 MiB
      llm_gpu_memory_total_bytes: 85_520_809_984, // 81559 MiB
      llm_gpu_temperature_celsius: 63,
      llm_gpu_power_watts: 652.31,
      llm_gpu_sm_clock_hertz: 1_980_000_000, // 1980 MHz
    });
    expect(valuesOf(samples, labels(3, GPU3, H100))).toEqual({
      llm_gpu_utilization_percent: 97,
      llm_gpu_memory_used_bytes: 77_792_804_864,
      llm_gpu_memory_total_bytes: 85_520_809_984,
      llm_gpu_temperature_celsius: 66,
      llm_gpu_power_watts: 689.45,
      llm_gpu_sm_clock_hertz: 1_965_000_000,
    });
    for (const metric of PER_GPU_METRICS) expect(seriesOf(samples, metric).size).toBe(8);
    expect(sampleValue(samples, 'llm_gpu_agent_gpus')).toBe(8);
    expect([...seriesOf(samples, 'llm_gpu_agent_scrape_errors_total').values()]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(await host.agent.readyz()).toEqual({ status: 200, body: { status: 'ready', checks: { gpus: '8 GPUs', redis: 'ok' } } });
  });

  it('publishes the sample to the gpu-samples stream and each GPU to its latest key, in the contract shape', async () => {
    host.fake.use('h100-sxm-8');
    clock.set(1_767_225_650_000);
    await host.agent.sampling.sampleNow();
    await host.agent.publisher.flush();
    const client = new Redis(host.redis.url);
    try {
      const [[, fields]] = (await client.xrevrange(gpuSamplesStreamKey(host.redis.prefix), '+', '-', 'COUNT', 1)) as [[string, string[]]];
      expect(fields[0]).toBe('sample');
      const sample = parseGpuSample(fields[1]!);
      const gpu0: GpuStats = {
        index: 0,
        uuid: GPU0,
        name: H100,
        utilizationPercent: 100,
        memoryUsedBytes: 77_817_970_688,
        memoryTotalBytes: 85_520_809_984,
        temperatureCelsius: 63,
        powerWatts: 652.31,
        smClockHertz: 1_980_000_000,
        isMigEnabled: false,
        processes: [{ pid: 48_211, name: '/usr/bin/python3', usedMemoryBytes: 77_269_565_440 }],
      };
      expect(sample).toMatchObject({ v: 1, host: HOST, model: null, sampledAtMs: 1_767_225_650_000, intervalMs: 3_600_000 });
      expect(sample.gpus).toHaveLength(8);
      expect(sample.gpus[0]).toEqual(gpu0);

      const keys = (await client.keys(gpuLatestKeyPattern(host.redis.prefix, HOST))).sort();
      expect(keys).toHaveLength(8);
      const snapshotKey = gpuLatestKey(host.redis.prefix, HOST, GPU0);
      expect(keys).toContain(snapshotKey);
      expect(parseGpuSnapshot((await client.get(snapshotKey))!)).toEqual({
        v: 1,
        host: HOST,
        model: null,
        sampledAtMs: 1_767_225_650_000,
        intervalMs: 3_600_000,
        gpu: gpu0,
      });
      // three intervals of an hour
      const ttl = await client.ttl(snapshotKey);
      expect(ttl).toBeGreaterThan(10_700);
      expect(ttl).toBeLessThanOrEqual(10_800);
      expect(sampleValue(await host.agent.metrics(), 'llm_queue_events_published_total', { queue: 'gpu-samples' })).toBe(
        await client.xlen(gpuSamplesStreamKey(host.redis.prefix)),
      );
    } finally {
      client.disconnect();
    }
  });

  it('reports the age of the last good sample at scrape time, and how long samples take', async () => {
    host.fake.use('h100-sxm-8');
    const before = sampleValue(await host.agent.metrics(), 'llm_gpu_agent_sample_duration_seconds_count');
    clock.set(1_767_225_700_000);
    await host.agent.sampling.sampleNow();
    clock.advance(7500);
    const samples = await host.agent.metrics();
    expect(sampleValue(samples, 'llm_gpu_agent_last_sample_age_seconds')).toBe(7.5);
    clock.advance(2500);
    expect(sampleValue(await host.agent.metrics(), 'llm_gpu_agent_last_sample_age_seconds')).toBe(10);
    // the manual clock stands still during a sample: one more observation of exactly 0 s
    expect(sampleValue(samples, 'llm_gpu_agent_sample_duration_seconds_count')).toBe(before + 1);
    expect(sampleValue(samples, 'llm_gpu_agent_sample_duration_seconds_bucket', { le: '0.0005' })).toBe(before + 1);
  });

  it('removes every series of a GPU that falls off the bus, keeps the others and counts the error', async () => {
    host.fake.use('h100-sxm-8');
    await host.agent.sampling.sampleNow();
    expect(seriesMentioning(await host.agent.metrics(), GPU3)).toHaveLength(6);

    host.fake.use('h100-sxm-8-gpu3-lost');
    await host.agent.sampling.sampleNow();
    const samples = await host.agent.metrics();
    expect(seriesMentioning(samples, GPU3)).toEqual([]);
    for (const metric of PER_GPU_METRICS) expect(seriesOf(samples, metric).size).toBe(7);
    expect(valuesOf(samples, labels(4, GPU4, H100)).llm_gpu_power_watts).toBe(601.93);
    expect(sampleValue(samples, 'llm_gpu_agent_gpus')).toBe(7);
    expect(sampleValue(samples, 'llm_gpu_agent_scrape_errors_total', { reason: 'gpu_lost' })).toBe(1);
    expect(host.agent.logs.withMessage('gpus disappeared: their series are removed')).toEqual([
      expect.objectContaining({ level: 'warn', gpus: [{ index: 3, uuid: GPU3, name: H100 }] }),
    ]);
    const ready = await host.agent.readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.checks.gpus).toBe('7 GPUs; last sample incomplete: gpu_lost: Unable to determine the device handle for GPU0000:5D:00.0: Unknown Error (exit 15)');
  });

  it('follows GPUs by UUID when the host comes back renumbered without the lost one', async () => {
    host.fake.use('h100-sxm-7');
    await host.agent.sampling.sampleNow();
    const samples = await host.agent.metrics();
    expect(seriesMentioning(samples, GPU3)).toEqual([]);
    // the former GPU 4 is now index 3: its old series is gone, the new one carries its UUID
    expect(valuesOf(samples, labels(4, GPU4, H100)).llm_gpu_power_watts).toBeUndefined();
    expect(valuesOf(samples, labels(3, GPU4, H100))).toEqual({
      llm_gpu_utilization_percent: 0,
      llm_gpu_memory_used_bytes: 0,
      llm_gpu_memory_total_bytes: 85_520_809_984,
      llm_gpu_temperature_celsius: 30,
      llm_gpu_power_watts: 68.92,
      llm_gpu_sm_clock_hertz: 345_000_000,
    });
    expect(sampleValue(samples, 'llm_gpu_agent_gpus')).toBe(7);
  });

  it('exports no utilization for GPUs in MIG mode (nvidia-smi says [N/A]) and everything else exactly', async () => {
    host.fake.use('a100-sxm4-mig');
    await host.agent.sampling.sampleNow();
    const samples = await host.agent.metrics();
    expect(valuesOf(samples, labels(0, 'GPU-5e8a1c3f-7d20-4b96-a1e5-3c9f0d7b2a48', A100))).toEqual({
      llm_gpu_utilization_percent: undefined,
      llm_gpu_memory_used_bytes: 41_440_772_096, // 39521 MiB, summed over the MIG instances
      llm_gpu_memory_total_bytes: 85_899_345_920, // 81920 MiB
      llm_gpu_temperature_celsius: 41,
      llm_gpu_power_watts: 187.44,
      llm_gpu_sm_clock_hertz: 1_410_000_000,
    });
    expect(valuesOf(samples, labels(2, 'GPU-0c7f3e95-b18a-2d64-e5f0-7a3b9c1d4e26', A100)).llm_gpu_utilization_percent).toBe(87);
    expect(seriesOf(samples, 'llm_gpu_utilization_percent').size).toBe(2);
    expect(seriesOf(samples, 'llm_gpu_memory_used_bytes').size).toBe(4);
    expect(seriesMentioning(samples, GPU0)).toEqual([]);
  });

  it('exports a laptop GeForce without the power it does not report', async () => {
    host.fake.use('rtx-3060-laptop');
    await host.agent.sampling.sampleNow();
    const samples = await host.agent.metrics();
    expect(valuesOf(samples, labels(0, 'GPU-b7e3f0a2-49c6-1d85-f2a7-6e0c3b9d1a54', 'NVIDIA GeForce RTX 3060 Laptop GPU'))).toEqual({
      llm_gpu_utilization_percent: 23,
      llm_gpu_memory_used_bytes: 1_986_002_944,
      llm_gpu_memory_total_bytes: 6_442_450_944,
      llm_gpu_temperature_celsius: 52,
      llm_gpu_power_watts: undefined,
      llm_gpu_sm_clock_hertz: 1_282_000_000,
    });
    expect(seriesOf(samples, 'llm_gpu_power_watts').size).toBe(0);
  });

  // last: after the fallback the agent keeps asking without the MIG field
  it('falls back to the fields an old driver knows, says so once, and exports what it reports', async () => {
    host.fake.use('gtx-770-legacy');
    const before = sampleValue(await host.agent.metrics(), 'llm_gpu_agent_scrape_errors_total', { reason: 'unsupported_field' });
    await host.agent.sampling.sampleNow();
    await host.agent.sampling.sampleNow();
    const samples = await host.agent.metrics();
    expect(valuesOf(samples, labels(0, 'GPU-2f9c5d1a-8e3b-47c0-a6d9-1b5e8f2c7a03', 'GeForce GTX 770'))).toEqual({
      llm_gpu_utilization_percent: undefined,
      llm_gpu_memory_used_bytes: 1_305_477_120,
      llm_gpu_memory_total_bytes: 2_096_103_424,
      llm_gpu_temperature_celsius: 52,
      llm_gpu_power_watts: undefined,
      llm_gpu_sm_clock_hertz: undefined,
    });
    expect(sampleValue(samples, 'llm_gpu_agent_scrape_errors_total', { reason: 'unsupported_field' })).toBe(before);
    const fallbacks = host.agent.logs.lines.filter((line) => String(line.msg).startsWith('nvidia-smi rejected the MIG field'));
    expect(fallbacks).toHaveLength(1);
    const gpuQueries = host.fake.calls().filter((call) => call.startsWith('--query-gpu='));
    expect(gpuQueries.slice(-2)).toEqual([
      '--query-gpu=index,uuid,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,clocks.sm,name --format=csv,noheader,nounits',
      '--query-gpu=index,uuid,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,clocks.sm,name --format=csv,noheader,nounits',
    ]);
  });
});

describe('the sampling schedule', () => {

  const host = useFakeGpuHost({ GPU_AGENT_INTERVAL_MS: '100', GPU_AGENT_PROCESSES: 'false' });

  it('samples by itself every GPU_AGENT_INTERVAL_MS, starting at boot', async () => {
    await waitFor(() => expect(host.fake.calls().length).toBeGreaterThanOrEqual(4), { timeoutMs: 20_000 });
    // GPU_AGENT_PROCESSES=false: only the GPU query runs
    expect(host.fake.calls().every((call) => call.startsWith('--query-gpu='))).toBe(true);
    expect(sampleValue(await host.agent.metrics(), 'llm_gpu_agent_gpus')).toBe(8);
  });
});
