import { servedModelsKey } from '@tokenscope/queue-contracts';
import { sampleValue, startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { EventQueue, generationEvent, jsonPost, startQuality, writeRequestRecord, type RunningQuality } from './quality-harness.js';

const DISCOVERED = 'meta-llama/Llama-3.1-8B-Instruct';

/**
 * A zero-config gateway serves the models its upstream lists and names them in Redis: the quality
 * service labels them as it labels MODELS_FILE's models, and still folds any other name.
 */
describe('models a zero-config gateway serves', () => {
  let redis: TestRedis;
  let client: Redis;
  let events: EventQueue;
  let quality: RunningQuality;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    events = new EventQueue(redis.url, redis.prefix);
    await client.sadd(servedModelsKey(redis.prefix), DISCOVERED);
    quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix });
  });

  afterAll(async () => {
    await quality?.close();
    await events?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it('get their own model label; a name no gateway serves stays unknown', async () => {
    for (const model of [DISCOVERED, 'never-served']) {
      const event = generationEvent({ model, userId: 'fay' });
      await writeRequestRecord(client, redis.prefix, event.requestId, { userId: 'fay', model });
      expect((await jsonPost(`${quality.url}/v1/feedback`, { request_id: event.requestId, thumbs_up: true })).status).toBe(200);
      await events.publish(event);
    }
    await waitFor(async () => expect(sampleValue(await quality.metrics(), 'llm_feedback_total', { model: DISCOVERED, rating: 'up' })).toBe(1));
    await waitFor(async () => expect(sampleValue(await quality.metrics(), 'llm_feedback_total', { model: 'unknown', rating: 'up' })).toBe(1));
  });
});
