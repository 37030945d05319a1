import { startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { defaultDetectors } from '../src/app.module.js';
import type { QualityDetector } from '../src/detectors/quality-detector.js';
import { CONTEXT, EventQueue, generationEvent, GROUNDED_TEXT, startQuality, type RunningQuality } from './quality-harness.js';

/** Stands in for a judge model: an asynchronous detector that disagrees with the lexical check. */
const judge: QualityDetector = {
  name: 'fake-judge',
  version: 'fake-judge@1',
  signal: 'hallucination',
  detect: async (generation) => (generation.output.includes('Cologne') ? { status: 'flagged', reason: 'judge says unsupported' } : { status: 'clear' }),
};

describe('a pluggable detector', () => {
  let redis: TestRedis;
  let events: EventQueue;
  let quality: RunningQuality;

  beforeAll(async () => {
    redis = await startRedis();
    events = new EventQueue(redis.url, redis.prefix);
    quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix }, { detectors: (config) => [...defaultDetectors(config), judge] });
  });

  afterAll(async () => {
    await quality?.close();
    await events?.close();
    await redis?.stop();
  });

  it('runs beside the built-in ones: any hallucination detector that flags makes the generation ungrounded', async () => {
    await events.publish(
      generationEvent({ output: GROUNDED_TEXT, context: CONTEXT }), // lexically grounded, the judge objects
      generationEvent({ output: 'The Rhine flows through six countries.', context: CONTEXT }), // both agree
    );
    await waitFor(async () => {
      const body = (await (await fetch(`${quality.url}/v1/quality`)).json()) as { window: { checked: number; ungrounded: number } };
      expect(body.window).toMatchObject({ checked: 2, ungrounded: 1 });
    });
  });

  it("reads the event's question: a name the answer takes from it is grounded; without one (a version 2 event) it is not", async () => {
    const curie = ['She received the Nobel Prize in Physics in 1903 and the Nobel Prize in Chemistry in 1911.'];
    const answer = 'Marie Curie won it twice, in 1903 and 1911.';
    const before = (await (await fetch(`${quality.url}/v1/quality`)).json()) as { window: { checked: number; ungrounded: number } };
    const { question: _none, ...olderEvent } = generationEvent({ output: answer, context: curie });
    await events.publish(
      generationEvent({ output: answer, context: curie, question: 'How many Nobel Prizes did Marie Curie win?' }),
      { ...olderEvent, v: 2 } as unknown as ReturnType<typeof generationEvent>, // as a gateway before the question published it
    );
    await waitFor(async () => {
      const body = (await (await fetch(`${quality.url}/v1/quality`)).json()) as { window: { checked: number; ungrounded: number } };
      expect(body.window).toMatchObject({ checked: before.window.checked + 2, ungrounded: before.window.ungrounded + 1 });
    });
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const response = await fetch(`${quality.url}/v1/nothing-here`, { headers: { 'x-request-id': 'nf-1' } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ code: 'NOT_FOUND', message: 'url: no such route', requestId: 'nf-1' });
  });
});
