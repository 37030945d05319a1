import { servedModelsKey } from '@tokenscope/queue-contracts';
import { sampleValue, waitFor } from '@tokenscope/testing';
import { generationEvent, jsonPost, useQuality, writeRequestRecord } from './quality-harness.js';

const DISCOVERED = 'meta-llama/Llama-3.1-8B-Instruct';

/**
 * A zero-config gateway serves the models its upstream lists and names them in Redis: the quality
 * service labels them as it labels MODELS_FILE's models, and still folds any other name.
 */
describe('models a zero-config gateway serves', () => {
  const running = useQuality({}, (client, prefix) => client.sadd(servedModelsKey(prefix), DISCOVERED));

  it('get their own model label; a name no gateway serves stays unknown', async () => {
    const { redis, client, events, quality } = running;
    for (const model of [DISCOVERED, 'never-served']) {
      const event = generationEvent({ model, userId: 'fay' });
      await writeRequestRecord(client, redis.prefix, event.publicId, { userId: 'fay', model });
      expect((await jsonPost(`${quality.url}/v1/feedback`, { request_id: event.publicId, thumbs_up: true })).status).toBe(200);
      await events.publish(event);
    }
    await waitFor(async () => expect(sampleValue(await quality.metrics(), 'llm_feedback_total', { model: DISCOVERED, rating: 'up' })).toBe(1));
    await waitFor(async () => expect(sampleValue(await quality.metrics(), 'llm_feedback_total', { model: 'unknown', rating: 'up' })).toBe(1));
  });
});
