import { gpuSamplesStreamKey, parseGpuSample } from '@tokenscope/queue-contracts';
import { sampleValue, waitFor, type Samples } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { isAlive, PER_GPU_METRICS, seriesOf, useFakeGpuHost } from './gpu-agent-harness.js';

const UNAVAILABLE = 'gpu sampling unavailable: no per-GPU metrics until it recovers';

function perGpuSeriesCount(samples: Samples): number {
  return PER_GPU_METRICS.reduce((sum, metric) => sum + seriesOf(samples, metric).size, 0);
}

const errors = (samples: Samples, reason: string) => sampleValue(samples, 'llm_gpu_agent_scrape_errors_total', { reason });

describe('nvidia-smi failing, hanging and recovering', () => {

  const host = useFakeGpuHost({ GPU_AGENT_TIMEOUT_MS: '1500' });

  it('drops every GPU series when the driver goes away, and says why', async () => {
    expect(perGpuSeriesCount(await host.agent.metrics())).toBe(48);
    host.fake.use('driver-failure');
    await host.agent.sampling.sampleNow();
    const samples = await host.agent.metrics();
    expect(perGpuSeriesCount(samples)).toBe(0);
    expect(errors(samples, 'driver_unavailable')).toBe(1);
    expect(await host.agent.readyz()).toEqual({
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
    host.fake.use('nvml-mismatch');
    await host.agent.sampling.sampleNow();
    expect(errors(await host.agent.metrics(), 'driver_unavailable')).toBe(2);
    expect(host.agent.logs.withMessage(UNAVAILABLE).map((line) => line.reason)).toEqual(['driver_unavailable']);
  });

  it('counts a host where the driver finds no GPU', async () => {
    host.fake.use('no-devices');
    await host.agent.sampling.sampleNow();
    await host.agent.sampling.sampleNow();
    expect(errors(await host.agent.metrics(), 'no_gpu')).toBe(2);
    expect((await host.agent.readyz()).body.checks.gpus).toBe('no_gpu: No devices were found (exit 6)');
  });

  it('kills a hanging nvidia-smi at the timeout, counts it and keeps serving', async () => {
    host.fake.use('hang');
    await host.agent.sampling.sampleNow();
    // both runs of the sample (GPUs and processes) hung and were killed
    const pids = host.fake.hangPids();
    expect(pids).toHaveLength(2);
    await waitFor(() => expect(pids.filter(isAlive)).toEqual([]));
    const samples = await host.agent.metrics();
    expect(errors(samples, 'timeout')).toBe(1);
    expect(perGpuSeriesCount(samples)).toBe(0);
    expect((await fetch(`${host.agent.url}/healthz`)).status).toBe(200);
    expect((await host.agent.readyz()).body.checks.gpus).toBe(`timeout: ${host.fake.path} did not answer within 1500 ms and was killed`);
  });

  it('keeps the GPUs of a sample whose process query hangs, without the process list', async () => {
    host.fake.use('h100-sxm-8 apps=hang');
    await host.agent.sampling.sampleNow();
    const samples = await host.agent.metrics();
    expect(perGpuSeriesCount(samples)).toBe(48);
    expect(errors(samples, 'timeout')).toBe(1);
    expect(host.fake.hangPids()).toHaveLength(3);
    await host.agent.publisher.flush();
    const client = new Redis(host.redis.url);
    const [[, fields]] = (await client.xrevrange(gpuSamplesStreamKey(host.redis.prefix), '+', '-', 'COUNT', 1)) as [[string, string[]]];
    client.disconnect();
    const published = parseGpuSample(fields[1]!);
    expect(published.gpus.map((gpu) => gpu.processes)).toEqual(Array(8).fill(null));
    await waitFor(() => expect(host.fake.hangPids().filter(isAlive)).toEqual([]));
  });

  it('counts output that is not CSV as unparsable', async () => {
    host.fake.use('garbage');
    await host.agent.sampling.sampleNow();
    expect(errors(await host.agent.metrics(), 'unparsable')).toBe(1);
    expect((await host.agent.readyz()).body.checks.gpus).toBe('unparsable: <html><body>502 Bad Gateway</body></html>');
  });

  it('recovers by itself when nvidia-smi answers again, with one line per change of state', async () => {
    host.fake.use('h100-sxm-8');
    await host.agent.sampling.sampleNow();
    const samples = await host.agent.metrics();
    expect(perGpuSeriesCount(samples)).toBe(48);
    expect(sampleValue(samples, 'llm_gpu_agent_gpus')).toBe(8);
    expect((await host.agent.readyz()).status).toBe(200);
    expect(host.agent.logs.withMessage(UNAVAILABLE).map((line) => line.reason)).toEqual(['driver_unavailable', 'no_gpu', 'timeout', 'unparsable']);
    // recovered after the hang (the sample whose process query hung read its GPUs) and now
    expect(host.agent.logs.withMessage('gpu sampling recovered').map((line) => line.gpuCount)).toEqual([8, 8]);
    expect(host.agent.logs.withMessage('gpu sampling started')).toHaveLength(1);
  });
});
