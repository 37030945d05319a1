import { gpuSamplesStreamKey, parseGpuSample } from '@tokenscope/queue-contracts';
import { sampleValue, startRedis, waitFor, type Samples, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { FakeNvidiaSmi, isAlive, PER_GPU_METRICS, seriesOf, startGpuAgent, type RunningGpuAgent } from './gpu-agent-harness.js';

const UNAVAILABLE = 'gpu sampling unavailable: no per-GPU metrics until it recovers';

function perGpuSeriesCount(samples: Samples): number {
  return PER_GPU_METRICS.reduce((sum, metric) => sum + seriesOf(samples, metric).size, 0);
}

const errors = (samples: Samples, reason: string) => sampleValue(samples, 'llm_gpu_agent_scrape_errors_total', { reason });

describe('nvidia-smi failing, hanging and recovering', () => {
  let redis: TestRedis;
  let fake: FakeNvidiaSmi;
  let agent: RunningGpuAgent;

  beforeAll(async () => {
    redis = await startRedis();
    fake = FakeNvidiaSmi.create('h100-sxm-8');
    agent = await startGpuAgent({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      GPU_AGENT_NVIDIA_SMI: fake.path,
      GPU_AGENT_TIMEOUT_MS: '1500',
    });
  });

  afterAll(async () => {
    await agent?.close();
    fake?.dispose();
    await redis?.stop();
  });

  it('drops every GPU series when the driver goes away, and says why', async () => {
    expect(perGpuSeriesCount(await agent.metrics())).toBe(48);
    fake.use('driver-failure');
    await agent.sampling.sampleNow();
    const samples = await agent.metrics();
    expect(perGpuSeriesCount(samples)).toBe(0);
    expect(errors(samples, 'driver_unavailable')).toBe(1);
    expect(await agent.readyz()).toEqual({
      status: 503,
      body: {
        status: 'not ready',
        checks: {
          gpus: "driver_unavailable: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running. (exit 9)",
          redis: 'ok',
        },
      },
    });
  });

  it('counts a driver/library mismatch as the same reason without logging it again', async () => {
    fake.use('nvml-mismatch');
    await agent.sampling.sampleNow();
    expect(errors(await agent.metrics(), 'driver_unavailable')).toBe(2);
    expect(agent.logs.withMessage(UNAVAILABLE).map((line) => line.reason)).toEqual(['driver_unavailable']);
  });

  it('counts a host where the driver finds no GPU', async () => {
    fake.use('no-devices');
    await agent.sampling.sampleNow();
    await agent.sampling.sampleNow();
    expect(errors(await agent.metrics(), 'no_gpu')).toBe(2);
    expect((await agent.readyz()).body.checks.gpus).toBe('no_gpu: No devices were found (exit 6)');
  });

  it('kills a hanging nvidia-smi at the timeout, counts it and keeps serving', async () => {
    fake.use('hang');
    await agent.sampling.sampleNow();
    // both runs of the sample (GPUs and processes) hung and were killed
    const pids = fake.hangPids();
    expect(pids).toHaveLength(2);
    await waitFor(() => expect(pids.filter(isAlive)).toEqual([]));
    const samples = await agent.metrics();
    expect(errors(samples, 'timeout')).toBe(1);
    expect(perGpuSeriesCount(samples)).toBe(0);
    expect((await fetch(`${agent.url}/healthz`)).status).toBe(200);
    expect((await agent.readyz()).body.checks.gpus).toBe(`timeout: ${fake.path} did not answer within 1500 ms and was killed`);
  });

  it('keeps the GPUs of a sample whose process query hangs, without the process list', async () => {
    fake.use('h100-sxm-8 apps=hang');
    await agent.sampling.sampleNow();
    const samples = await agent.metrics();
    expect(perGpuSeriesCount(samples)).toBe(48);
    expect(errors(samples, 'timeout')).toBe(1);
    expect(fake.hangPids()).toHaveLength(3);
    await agent.publisher.flush();
    const client = new Redis(redis.url);
    const [[, fields]] = (await client.xrevrange(gpuSamplesStreamKey(redis.prefix), '+', '-', 'COUNT', 1)) as [[string, string[]]];
    client.disconnect();
    const published = parseGpuSample(fields[1]!);
    expect(published.gpus.map((gpu) => gpu.processes)).toEqual(Array(8).fill(null));
    await waitFor(() => expect(fake.hangPids().filter(isAlive)).toEqual([]));
  });

  it('counts output that is not CSV as unparsable', async () => {
    fake.use('garbage');
    await agent.sampling.sampleNow();
    expect(errors(await agent.metrics(), 'unparsable')).toBe(1);
    expect((await agent.readyz()).body.checks.gpus).toBe('unparsable: <html><body>502 Bad Gateway</body></html>');
  });

  it('recovers by itself when nvidia-smi answers again, with one line per change of state', async () => {
    fake.use('h100-sxm-8');
    await agent.sampling.sampleNow();
    const samples = await agent.metrics();
    expect(perGpuSeriesCount(samples)).toBe(48);
    expect(sampleValue(samples, 'llm_gpu_agent_gpus')).toBe(8);
    expect((await agent.readyz()).status).toBe(200);
    expect(agent.logs.withMessage(UNAVAILABLE).map((line) => line.reason)).toEqual(['driver_unavailable', 'no_gpu', 'timeout', 'unparsable']);
    // recovered after the hang (the sample whose process query hung read its GPUs) and now
    expect(agent.logs.withMessage('gpu sampling recovered').map((line) => line.gpuCount)).toEqual([8, 8]);
    expect(agent.logs.withMessage('gpu sampling started')).toHaveLength(1);
  });
});
