import { sampleValue, waitFor } from '@tokenscope/testing';
import { generationEvent, REFUSAL_TEXT, useQuality } from './quality-harness.js';
import { userSpendKey } from '@tokenscope/queue-contracts';

/** An embeddings request costs money but has no answer to judge. */
describe('embedding events in the quality service', () => {
  const running = useQuality();

  it('books their cost in the ledger and keeps them out of the quality window', async () => {
    const { redis, client, events, quality } = running;
    await events.publish(generationEvent({ endpoint: 'embeddings', userId: 'erin', costUsd: 0.25, output: '', completionTokens: 0, ttftMs: null, tpotMs: null }));
    // a refusal-looking chat answer after it: the window must count that one only
    await events.publish(generationEvent({ userId: 'erin', costUsd: 0.5, output: REFUSAL_TEXT }));
    await waitFor(async () => expect(await client.zscore(userSpendKey(redis.prefix), 'erin')).toBe('0.75'));
    const window = (await (await fetch(`${quality.url}/v1/quality`)).json()) as { window: { generations: number; refusals: number } };
    expect(window.window).toMatchObject({ generations: 1, refusals: 1 });
    expect(sampleValue(await quality.metrics(), 'llm_refusal_rate')).toBe(1);
  });
});
