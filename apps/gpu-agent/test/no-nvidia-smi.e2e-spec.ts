import { sampleValue, startRedis, type Samples, type TestRedis } from '@tokenscope/testing';
import { PER_GPU_METRICS, seriesOf, startGpuAgent, type RunningGpuAgent } from './gpu-agent-harness.js';

const UNAVAILABLE = 'gpu sampling unavailable: no per-GPU metrics until it recovers';

function perGpuSeriesCount(samples: Samples): number {
  return PER_GPU_METRICS.reduce((sum, metric) => sum + seriesOf(samples, metric).size, 0);
}

describe('a host without nvidia-smi', () => {
  let redis: TestRedis;
  let agent: RunningGpuAgent;

  beforeAll(async () => {
    redis = await startRedis();
    agent = await startGpuAgent({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, GPU_AGENT_NVIDIA_SMI: '/nonexistent/bin/nvidia-smi' });
  });

  afterAll(async () => {
    await agent?.close();
    await redis?.stop();
  });

  it('stays alive, says why it is not ready, exports no GPU series, counts each sample and logs one line', async () => {
    for (let i = 0; i < 4; i++) await agent.sampling.sampleNow();

    expect((await fetch(`${agent.url}/healthz`)).status).toBe(200);
    expect(await agent.readyz()).toEqual({
      status: 503,
      body: { status: 'not ready', checks: { gpus: 'binary_missing: cannot run /nonexistent/bin/nvidia-smi: not found', redis: 'ok' } },
    });
    const samples = await agent.metrics();
    expect(perGpuSeriesCount(samples)).toBe(0);
    expect(sampleValue(samples, 'llm_gpu_agent_gpus')).toBe(0);
    expect(sampleValue(samples, 'llm_gpu_agent_scrape_errors_total', { reason: 'binary_missing' })).toBe(5); // the boot sample and four more
    expect(sampleValue(samples, 'llm_gpu_agent_sample_duration_seconds_count')).toBe(5);
    expect(agent.logs.withMessage(UNAVAILABLE)).toEqual([
      expect.objectContaining({
        level: 'warn',
        reason: 'binary_missing',
        detail: 'cannot run /nonexistent/bin/nvidia-smi: not found',
        hint: expect.stringContaining('GPU_AGENT_NVIDIA_SMI'),
      }),
    ]);
  });
});
