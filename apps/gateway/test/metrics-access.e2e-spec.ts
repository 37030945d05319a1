import { fetchMetrics, freePort, isListening, startRedis, type TestRedis } from '@tokenscope/testing';
import { startGateway, type RunningGateway } from './gateway-harness.js';

const TOKEN = 'gateway-scrape-token-7f3a9c';

describe('gateway /metrics protection', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  describe('METRICS_TOKEN', () => {
    let gateway: RunningGateway;

    beforeAll(async () => {
      gateway = await startGateway({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, METRICS_TOKEN: TOKEN });
    });

    afterAll(async () => {
      await gateway?.close();
    });

    it.each([
      ['no Authorization header', undefined],
      ['a wrong token', 'Bearer gateway-scrape-token-7f3a9d'],
      ['the token without the Bearer scheme', TOKEN],
    ])('answers 401 in the OpenAI error shape to %s, never quoting the token', async (_, authorization) => {
      const answer = await fetchMetrics(gateway.url, authorization);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'UNAUTHORIZED', type: 'authentication_error', param: 'authorization' } });
      expect(answer.text).not.toContain('llm_requests_total');
      expect(answer.text).not.toContain(TOKEN);
    });

    it('serves the metrics with the token', async () => {
      const answer = await fetchMetrics(gateway.url, `Bearer ${TOKEN}`);
      expect(answer.status).toBe(200);
      expect(answer.text).toMatch(/^# TYPE llm_requests_total counter$/m);
      // neither the token nor the wrong one tried above reached a log line
      expect(gateway.logs.raw.join('\n')).not.toContain(TOKEN);
      expect(gateway.logs.raw.join('\n')).not.toContain('gateway-scrape-token-7f3a9d');
    });

    it('leaves the API and the probes open to their own rules', async () => {
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${gateway.url}/v1/models`)).status).toBe(200);
    });
  });

  describe('METRICS_PORT', () => {
    let gateway: RunningGateway;
    let metricsPort: number;

    beforeAll(async () => {
      metricsPort = await freePort();
      gateway = await startGateway({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, METRICS_PORT: String(metricsPort) });
    });

    afterAll(async () => {
      await gateway?.close();
    });

    it('answers 404 for /metrics on the API port', async () => {
      const answer = await fetchMetrics(gateway.url);
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'NOT_FOUND' } });
      expect(answer.text).not.toContain('llm_requests_total');
    });

    it('serves /metrics on the metrics port, and nothing else there', async () => {
      const answer = await fetchMetrics(`http://127.0.0.1:${metricsPort}`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(answer.text).toMatch(/^llm_requests_total\{model="sim-fast",status="success"\} \d+$/m);
      const openMetrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
      expect(openMetrics.headers.get('content-type')).toMatch(/^application\/openmetrics-text/);
      expect((await openMetrics.text()).trimEnd().endsWith('# EOF')).toBe(true);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/models`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: 'POST' })).status).toBe(405);
    });
  });

  describe('METRICS_PORT with METRICS_TOKEN', () => {
    it('asks for the token on the metrics port, and closes that port when the gateway stops', async () => {
      const metricsPort = await freePort();
      const gateway = await startGateway({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, METRICS_PORT: String(metricsPort), METRICS_TOKEN: TOKEN });
      try {
        const refused = await fetchMetrics(`http://127.0.0.1:${metricsPort}`, 'Bearer nope-nope-nope-nope');
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
        expect(JSON.parse(refused.text)).toMatchObject({ code: 'UNAUTHORIZED' });
        expect((await fetchMetrics(`http://127.0.0.1:${metricsPort}`)).status).toBe(401);
        expect((await fetchMetrics(`http://127.0.0.1:${metricsPort}`, `Bearer ${TOKEN}`)).status).toBe(200);
        expect(await isListening(metricsPort)).toBe(true);
      } finally {
        await gateway.close();
      }
      expect(await isListening(metricsPort)).toBe(false);
    });
  });
});
