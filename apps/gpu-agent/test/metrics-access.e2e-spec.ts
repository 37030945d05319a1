import { fetchMetrics, freePort, startRedis, type TestRedis } from '@tokenscope/testing';
import { FakeNvidiaSmi, startGpuAgent, type RunningGpuAgent } from './gpu-agent-harness.js';

const TOKEN = 'gpu-agent-scrape-token-2e8b';
const WRONG_TOKEN = 'gpu-agent-scrape-token-2e8c';

describe('GPU agent /metrics protection', () => {
  let redis: TestRedis;
  let fake: FakeNvidiaSmi;

  beforeAll(async () => {
    redis = await startRedis();
    fake = FakeNvidiaSmi.create('h100-sxm-8');
  });

  afterAll(async () => {
    fake?.dispose();
    await redis?.stop();
  });

  const env = (extra: Record<string, string>) => ({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, GPU_AGENT_NVIDIA_SMI: fake.path, ...extra });

  describe('METRICS_TOKEN', () => {
    let agent: RunningGpuAgent;

    beforeAll(async () => {
      agent = await startGpuAgent(env({ METRICS_TOKEN: TOKEN }));
    });

    afterAll(async () => {
      await agent?.close();
    });

    it.each([
      ['no Authorization header', undefined],
      ['a wrong token', `Bearer ${WRONG_TOKEN}`],
      ['Basic credentials', `Basic ${Buffer.from(`prometheus:${TOKEN}`).toString('base64')}`],
    ])('answers 401 to %s, with no metric and no token in the answer', async (_, authorization) => {
      const answer = await fetchMetrics(agent.url, authorization);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.text).not.toContain('llm_gpu_utilization_percent');
      expect(answer.text).not.toContain(TOKEN);
    });

    it('serves the GPU metrics with the token, and keeps both tokens out of the logs', async () => {
      const answer = await fetchMetrics(agent.url, `Bearer ${TOKEN}`);
      expect(answer.status).toBe(200);
      expect(answer.text).toMatch(/^llm_gpu_utilization_percent\{/m);
      expect(agent.logs.raw.join('\n')).not.toContain(TOKEN);
      expect(agent.logs.raw.join('\n')).not.toContain(WRONG_TOKEN);
    });

    it('leaves the probes open', async () => {
      expect((await fetch(`${agent.url}/healthz`)).status).toBe(200);
    });
  });

  describe('METRICS_PORT', () => {
    let agent: RunningGpuAgent;
    let metricsPort: number;

    beforeAll(async () => {
      metricsPort = await freePort();
      agent = await startGpuAgent(env({ METRICS_PORT: String(metricsPort) }));
    });

    afterAll(async () => {
      await agent?.close();
    });

    it('answers 404 for /metrics on the API port', async () => {
      const answer = await fetchMetrics(agent.url);
      expect(answer.status).toBe(404);
      expect(answer.text).not.toContain('llm_gpu');
    });

    it('serves /metrics on the metrics port', async () => {
      const answer = await fetchMetrics(`http://127.0.0.1:${metricsPort}`);
      expect(answer.status).toBe(200);
      expect(answer.text).toMatch(/^llm_gpu_utilization_percent\{/m);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404);
    });
  });

  describe('METRICS_PORT with METRICS_TOKEN', () => {
    it('asks for the token on the metrics port', async () => {
      const metricsPort = await freePort();
      const agent = await startGpuAgent(env({ METRICS_PORT: String(metricsPort), METRICS_TOKEN: TOKEN }));
      try {
        expect((await fetchMetrics(`http://127.0.0.1:${metricsPort}`)).status).toBe(401);
        expect((await fetchMetrics(`http://127.0.0.1:${metricsPort}`, `Bearer ${WRONG_TOKEN}`)).status).toBe(401);
        expect((await fetchMetrics(`http://127.0.0.1:${metricsPort}`, `Bearer ${TOKEN}`)).status).toBe(200);
        expect((await fetchMetrics(agent.url, `Bearer ${TOKEN}`)).status).toBe(404);
      } finally {
        await agent.close();
      }
    });
  });
});
