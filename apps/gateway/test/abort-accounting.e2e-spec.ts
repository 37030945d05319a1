import { sampleValue, waitFor } from '@tokenscope/testing';
import { loadTokenizer } from '../src/tokens/tokenizer.js';
import { useGateway } from './gateway-harness.js';

const MODEL = 'sim-large';
const PROMPT = 'Tell me everything about time to first token, at length.';

/** A client that leaves is cancelled, and what the simulated model already did is billed. */
describe('a client that leaves a simulated generation', () => {
  // real simulated delays: sim-large answers its first token after ~220 ms, then one every ~28 ms
  const running = useGateway({ SIMULATOR_SPEED: '1' });
  const metric = async (name: string, labels: Record<string, string> = {}) => sampleValue(await running.gateway.metrics(), name, labels);
  const read = async () => ({
    cancelled: await metric('llm_requests_total', { model: MODEL, status: 'cancelled' }),
    success: await metric('llm_requests_total', { model: MODEL, status: 'success' }),
    prompt: await metric('llm_prompt_tokens_total', { model: MODEL }),
    completion: await metric('llm_tokens_generated_total', { model: MODEL }),
    estimated: await metric('llm_usage_estimated_total', { model: MODEL }),
    cost: await metric('llm_cost_dollars_total', { model: MODEL }),
  });
  const start = (controller: AbortController) =>
    fetch(`${running.gateway.url}/v1/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt: PROMPT, max_tokens: 200, stream: true }),
      signal: controller.signal,
    });
  const waitForCancelled = (before: { cancelled: number }) =>
    waitFor(async () => {
      if ((await metric('llm_requests_total', { model: MODEL, status: 'cancelled' })) - before.cancelled !== 1) throw new Error('not counted yet');
    });

  it('mid-stream: counted cancelled, never success, with its prompt and the streamed tokens billed', async () => {
    const before = await read();
    const controller = new AbortController();
    const response = await start(controller);
    const reader = response.body!.getReader();
    let seen = '';
    while ((seen.match(/"token"/g) ?? []).length < 3) seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    await waitForCancelled(before);
    const after = await read();
    const tokenizer = await loadTokenizer();
    expect(after.success - before.success).toBe(0);
    expect(after.prompt - before.prompt).toBe(await tokenizer.count(PROMPT));
    // at least the tokens this client read, at most the answer's cap
    expect(after.completion - before.completion).toBeGreaterThanOrEqual(3);
    expect(after.completion - before.completion).toBeLessThan(200);
    expect(after.estimated - before.estimated).toBe(1);
    expect(after.cost - before.cost).toBeGreaterThan(0);
  });

  it('before the first token: counted cancelled, its prompt billed, no completion tokens', async () => {
    const before = await read();
    const controller = new AbortController();
    const pending = start(controller).catch(() => undefined);
    // well inside sim-large's ~220 ms time to first token
    await new Promise((resolve) => setTimeout(resolve, 60));
    controller.abort();
    await pending;
    await waitForCancelled(before);
    const after = await read();
    const tokenizer = await loadTokenizer();
    expect(after.prompt - before.prompt).toBe(await tokenizer.count(PROMPT));
    expect(after.completion - before.completion).toBe(0);
    expect(after.cost - before.cost).toBeCloseTo(((await tokenizer.count(PROMPT)) * 0.0025) / 1000, 12);
  });
});
