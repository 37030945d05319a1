import type { SimulatorProfile } from '@tokenscope/config';
import type { GenerationRequest } from '../backend.js';
import type { ServedModel } from '../../config/model-catalog.js';
import { loadTokenizer } from '../../tokens/tokenizer.js';
import { FaultSwitch } from './fault-switch.js';
import { SimulatorBackend } from './simulator.backend.js';

const NO_FAULTS = { server_error_rate: 0, rate_limit_rate: 0, timeout_rate: 0, cut_stream_rate: 0, refusal_rate: 0, off_context_rate: 0 };
const profile: SimulatorProfile = {
  ttft_base_ms: 50,
  prefill_ms_per_token: 0.1,
  inter_token_ms: 10,
  spread: 0.2,
  concurrency_slowdown: 0.01,
  natural_length_tokens: [40, 80],
  faults: NO_FAULTS,
};
const model: ServedModel = {
  name: 'sim-test',
  backend: 'simulator',
  upstreamUrl: undefined,
  upstreamHost: undefined,
  upstreamModel: 'sim-test',
  maxTokensLimit: 4096,
  simulator: profile,
  pricing: {},
};

function request(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    requestId: 'r1',
    endpoint: 'generate',
    model,
    input: { kind: 'prompt', prompt: 'Explain time to first token.' },
    maxTokens: 256,
    outputTokensBound: 256,
    temperature: 0,
    topP: undefined,
    seed: undefined,
    stop: undefined,
    context: undefined,
    userId: 'u',
    isStreaming: false,
    includeUsage: false,
    relayBody: undefined,
    promptTokens: undefined,
    ...overrides,
  };
}

async function run(backend: SimulatorBackend, req: GenerationRequest) {
  let text = '';
  let tokens = 0;
  const end = await backend.generate(req, new AbortController().signal, {
    token: (piece) => {
      text += piece;
      tokens++;
      return undefined;
    },
  });
  return { text, tokens, end };
}

describe(SimulatorBackend.name, () => {
  let faults: FaultSwitch;
  let backend: SimulatorBackend;

  beforeAll(async () => {
    faults = new FaultSwitch([[model.name, NO_FAULTS]]);
    backend = new SimulatorBackend(await loadTokenizer(), faults, { seed: 42, speed: 0, timeoutMs: 1000 });
  });

  afterEach(() => faults.set(model.name, NO_FAULTS));

  it('gives the same answer for the same prompt and seed at temperature 0', async () => {
    const first = await run(backend, request());
    const second = await run(backend, request({ requestId: 'r2' }));
    expect(second.text).toBe(first.text);
    expect(first.tokens).toBeGreaterThanOrEqual(40);
    expect(first.tokens).toBeLessThanOrEqual(80);
  });

  it('answers differently for another prompt or another seed', async () => {
    const base = await run(backend, request());
    const otherPrompt = await run(backend, request({ input: { kind: 'prompt', prompt: 'Something else entirely.' } }));
    const otherSeed = await run(backend, request({ seed: 7 }));
    expect(otherPrompt.text).not.toBe(base.text);
    expect(otherSeed.text).not.toBe(base.text);
  });

  it('reports real token counts: each streamed token is one tokenizer token', async () => {
    const tokenizer = await loadTokenizer();
    const result = await run(backend, request());
    expect(result.end.usage?.completionTokens).toBe(result.tokens);
    expect(await tokenizer.count(result.text)).toBe(result.tokens);
    expect(result.end.usage?.promptTokens).toBe(await tokenizer.count('Explain time to first token.'));
  });

  it('stops at max_tokens with finish_reason length', async () => {
    const result = await run(backend, request({ maxTokens: 5 }));
    expect(result.tokens).toBe(5);
    expect(result.end.finishReason).toBe('length');
  });

  it('answers from the context when one is given', async () => {
    const context = ['The blue whale is the largest animal known to have lived. It can weigh 150 tonnes.'];
    const result = await run(backend, request({ context }));
    expect(context[0]).toContain(result.text.trim().split('. ')[0]!);
  });

  it('injects refusals and cut streams at the configured rates', async () => {
    faults.set(model.name, { refusal_rate: 1 });
    const refusal = await run(backend, request());
    expect(refusal.text).toMatch(/sorry|cannot|not able|unable/i);

    faults.set(model.name, { refusal_rate: 0, cut_stream_rate: 1 });
    await expect(run(backend, request())).rejects.toMatchObject({ code: 'UPSTREAM_STREAM_CUT' });
    faults.set(model.name, { cut_stream_rate: 0, server_error_rate: 1 });
    await expect(run(backend, request())).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    faults.set(model.name, { server_error_rate: 0, rate_limit_rate: 1 });
    await expect(run(backend, request())).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
  });

  it('fails roughly the configured share of identical requests, not all or none', async () => {
    faults.set(model.name, { server_error_rate: 0.3 });
    let failures = 0;
    for (let i = 0; i < 400; i++) {
      await run(backend, request()).catch(() => failures++);
    }
    // 400 draws at p = 0.3: mean 120, sd ≈ 9.2; ±5 sd
    expect(failures).toBeGreaterThan(74);
    expect(failures).toBeLessThan(166);
  });
});
