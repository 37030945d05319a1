import { sampleValue } from '@tokenscope/testing';
import OpenAI from 'openai';
import { loadTokenizer } from '../src/tokens/tokenizer.js';
import { jsonPost, useGateway } from './gateway-harness.js';

/** /v1/embeddings on the simulator: the wire shape, real token counts, deterministic vectors, measured like any request. */
describe('embeddings on the simulator', () => {
  const running = useGateway();
  const client = () => new OpenAI({ baseURL: `${running.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const metric = async (name: string, labels: Record<string, string> = {}) => sampleValue(await running.gateway.metrics(), name, labels);

  it('answers one unit vector per input, the same for the same text, with the usage the gateway counted', async () => {
    const before = await metric('llm_prompt_tokens_total', { model: 'sim-fast' });
    const successBefore = await metric('llm_requests_total', { model: 'sim-fast', status: 'success' });
    const inputs = ['The quick brown fox', 'jumps over the lazy dog', 'The quick brown fox'];
    const result = await client().embeddings.create({ model: 'sim-fast', input: inputs, dimensions: 64 });
    const tokenizer = await loadTokenizer();
    let tokens = 0;
    for (const text of inputs) tokens += await tokenizer.count(text);
    expect(result.data).toHaveLength(3);
    expect(result.data.map((d) => d.index)).toEqual([0, 1, 2]);
    for (const { embedding } of result.data) {
      expect(embedding).toHaveLength(64);
      expect(Math.hypot(...embedding)).toBeCloseTo(1, 5);
    }
    expect(result.data[2]!.embedding).toEqual(result.data[0]!.embedding);
    expect(result.data[1]!.embedding).not.toEqual(result.data[0]!.embedding);
    expect(result.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    expect((await metric('llm_prompt_tokens_total', { model: 'sim-fast' })) - before).toBe(tokens);
    expect((await metric('llm_requests_total', { model: 'sim-fast', status: 'success' })) - successBefore).toBe(1);
  });

  it('gives base64 vectors when asked, which the openai client decodes to the same floats', async () => {
    const floats = await client().embeddings.create({ model: 'sim-fast', input: 'same text', dimensions: 16, encoding_format: 'float' });
    // the openai client asks for base64 by default and decodes it
    const decoded = await client().embeddings.create({ model: 'sim-fast', input: 'same text', dimensions: 16 });
    expect(decoded.data[0]!.embedding).toEqual(floats.data[0]!.embedding.map((x) => Math.fround(x)));
  });

  it('counts token ids sent already tokenized one each', async () => {
    const before = await metric('llm_prompt_tokens_total', { model: 'sim-fast' });
    const response = await jsonPost(`${running.gateway.url}/v1/embeddings`, { model: 'sim-fast', input: [[1, 2, 3], [4, 5]] });
    expect(response.status).toBe(200);
    expect((await metric('llm_prompt_tokens_total', { model: 'sim-fast' })) - before).toBe(5);
  });

  it.each([
    ['no input', { model: 'sim-fast' }, 'input'],
    ['an empty string', { model: 'sim-fast', input: '' }, 'input'],
    ['2,049 inputs', { model: 'sim-fast', input: Array.from({ length: 2049 }, () => 'x') }, 'input'],
    ['an unknown encoding', { model: 'sim-fast', input: 'x', encoding_format: 'int8' }, 'encoding_format'],
    ['negative dimensions', { model: 'sim-fast', input: 'x', dimensions: -1 }, 'dimensions'],
  ])('refuses %s with a 400 naming the field, counted as rejected', async (_name, body, param) => {
    const before = await metric('llm_requests_total', { model: 'sim-fast', status: 'rejected' });
    const response = await jsonPost(`${running.gateway.url}/v1/embeddings`, body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param);
    expect((await metric('llm_requests_total', { model: 'sim-fast', status: 'rejected' })) - before).toBe(1);
  });
});
