import { startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { jsonPost, startGateway, type RunningGateway } from './gateway-harness.js';

// Its own file: nestjs-pino keeps process-wide state, so one logging configuration per process
describe('LOG_PROMPTS', () => {
  let redis: TestRedis;
  let gateway: RunningGateway;

  beforeAll(async () => {
    redis = await startRedis();
    gateway = await startGateway({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, LOG_PROMPTS: 'true' });
  });

  afterAll(async () => {
    await gateway?.close();
    await redis?.stop();
  });

  it('puts the output in the completion line when turned on', async () => {
    const response = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'visible', max_tokens: 3 }, { 'x-request-id': 'verbose-1' });
    const body = (await response.json()) as { text: string };
    await waitFor(() => expect(gateway.logs.withMessage('generation completed')).toHaveLength(1));
    expect(gateway.logs.withMessage('generation completed')[0]).toMatchObject({ request_id: 'verbose-1', output: body.text });
  });

  it('still redacts credentials', async () => {
    gateway.logs.raw.length = 0;
    await (await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1 }, { authorization: 'Bearer sk-should-not-appear' })).text();
    await waitFor(() => expect(gateway.logs.raw.length).toBeGreaterThan(0));
    expect(gateway.logs.raw.join('\n')).not.toContain('sk-should-not-appear');
  });
});
