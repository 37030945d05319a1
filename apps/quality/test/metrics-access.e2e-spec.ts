import { fetchMetrics, freePort, startRedis, type TestRedis } from '@tokenscope/testing';
import { startQuality, type RunningQuality } from './quality-harness.js';

const TOKEN = 'quality-scrape-token-91d4';
const WRONG_TOKEN = 'quality-scrape-token-91d5';

describe('quality /metrics protection', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  describe('METRICS_TOKEN', () => {
    let quality: RunningQuality;

    beforeAll(async () => {
      quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, METRICS_TOKEN: TOKEN });
    });

    afterAll(async () => {
      await quality?.close();
    });

    it.each([
      ['no Authorization header', undefined],
      ['a wrong token', `Bearer ${WRONG_TOKEN}`],
      ['an API-key style header instead', `Token ${TOKEN}`],
    ])('answers 401 in the service’s error shape to %s', async (_, authorization) => {
      const answer = await fetchMetrics(quality.url, authorization);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(JSON.parse(answer.text)).toEqual({ code: 'UNAUTHORIZED', message: expect.stringMatching(/^authorization: /), requestId: answer.headers.get('x-request-id') });
      expect(answer.text).not.toContain('llm_refusal_rate');
      expect(answer.text).not.toContain(TOKEN);
    });

    it('serves the metrics with the token, and keeps both tokens out of the logs', async () => {
      const answer = await fetchMetrics(quality.url, `Bearer ${TOKEN}`);
      expect(answer.status).toBe(200);
      expect(answer.text).toMatch(/^# TYPE llm_refusal_rate gauge$/m);
      expect(quality.logs.raw.join('\n')).not.toContain(TOKEN);
      expect(quality.logs.raw.join('\n')).not.toContain(WRONG_TOKEN);
    });

    it('leaves the API and the probes to their own rules', async () => {
      expect((await fetch(`${quality.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${quality.url}/v1/quality`)).status).toBe(200);
    });
  });

  describe('METRICS_PORT', () => {
    let quality: RunningQuality;
    let metricsPort: number;

    beforeAll(async () => {
      metricsPort = await freePort();
      quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, METRICS_PORT: String(metricsPort) });
    });

    afterAll(async () => {
      await quality?.close();
    });

    it('answers 404 for /metrics on the API port', async () => {
      const answer = await fetchMetrics(quality.url);
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.text)).toMatchObject({ code: 'NOT_FOUND' });
    });

    it('serves /metrics on the metrics port', async () => {
      const answer = await fetchMetrics(`http://127.0.0.1:${metricsPort}`);
      expect(answer.status).toBe(200);
      expect(answer.text).toMatch(/^# TYPE llm_refusal_rate gauge$/m);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/quality`)).status).toBe(404);
    });
  });

  describe('METRICS_PORT with METRICS_TOKEN', () => {
    it('asks for the token on the metrics port', async () => {
      const metricsPort = await freePort();
      const quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, METRICS_PORT: String(metricsPort), METRICS_TOKEN: TOKEN });
      try {
        expect((await fetchMetrics(`http://127.0.0.1:${metricsPort}`)).status).toBe(401);
        expect((await fetchMetrics(`http://127.0.0.1:${metricsPort}`, `Bearer ${WRONG_TOKEN}`)).status).toBe(401);
        expect((await fetchMetrics(`http://127.0.0.1:${metricsPort}`, `Bearer ${TOKEN}`)).status).toBe(200);
        expect((await fetchMetrics(quality.url, `Bearer ${TOKEN}`)).status).toBe(404);
      } finally {
        await quality.close();
      }
    });
  });
});
