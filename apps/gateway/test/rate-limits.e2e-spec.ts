import OpenAI from 'openai';
import { sampleValue } from '@tokenscope/testing';
import { jsonPost, useGateway } from './gateway-harness.js';

// 600 tokens a minute refill 0.01 token per ms: the few ms between two requests give back almost nothing
const TPM = 600;

describe('rate limits: requests and tokens per minute, with OpenAI\'s headers', () => {
  const running = useGateway({ RATE_LIMIT_RPM: '3', RATE_LIMIT_TPM: String(TPM), API_KEYS: 'sk-limited-0001:alice,sk-other-0002:bob' });

  it('takes prompt bytes / 4 + max_tokens when admitted and settles to the real count when done', async () => {
    const body = { prompt: 'How long is a minute?', max_tokens: 100 };
    const estimate = Math.ceil(Buffer.byteLength(JSON.stringify(body)) / 4) + 100;
    // the bucket refills from the first request's take on
    const startedAt = Date.now();
    const first = await jsonPost(`${running.gateway.url}/v1/generate`, body, { authorization: 'Bearer sk-limited-0001' });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe(String(TPM));
    expect(Number(first.headers.get('x-ratelimit-remaining-tokens'))).toBe(TPM - estimate);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    const { usage } = (await first.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    const used = usage.prompt_tokens + usage.completion_tokens;
    expect(used).toBeLessThan(estimate);

    const second = await jsonPost(`${running.gateway.url}/v1/generate`, body, { authorization: 'Bearer sk-limited-0001' });
    const refill = Math.ceil(((Date.now() - startedAt) * TPM) / 60_000);
    await second.arrayBuffer();
    // the first request gave back what it did not use
    const remaining = Number(second.headers.get('x-ratelimit-remaining-tokens'));
    expect(remaining).toBeGreaterThanOrEqual(TPM - used - estimate);
    expect(remaining).toBeLessThanOrEqual(TPM - used - estimate + refill + 1);
  });

  it('refuses the fourth request in a minute with a 429 the openai client reads (Retry-After, x-ratelimit-*)', async () => {
    const client = new OpenAI({ baseURL: `${running.gateway.url}/v1`, apiKey: 'sk-limited-0001', maxRetries: 0 });
    // the third of the minute (two went before): the last the bucket holds
    const third = await client.chat.completions.create({ model: 'sim-fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }).withResponse();
    expect(third.response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const limitedBefore = sampleValue(await running.gateway.metrics(), 'llm_limited_requests_total', { reason: 'requests_per_minute' });
    const error = await client.chat.completions.create({ model: 'sim-fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const limited = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited.status).toBe(429);
    expect(limited.code).toBe('RATE_LIMITED_REQUESTS');
    expect(limited.type).toBe('requests');
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-requests')).toMatch(/^(1m0s|5\ds)$/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after-ms'))).toBeGreaterThan(0);
    expect(sampleValue(await running.gateway.metrics(), 'llm_limited_requests_total', { reason: 'requests_per_minute' }) - limitedBefore).toBe(1);
    // another key has its own buckets
    const other = await jsonPost(`${running.gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1 }, { authorization: 'Bearer sk-other-0002' });
    expect(other.status).toBe(200);
  });

  it('answers 400 naming max_tokens for a request that could never fit the tokens-per-minute limit', async () => {
    const response = await jsonPost(`${running.gateway.url}/v1/generate`, { prompt: 'x', max_tokens: TPM }, { authorization: 'Bearer sk-other-0002' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string; message: string } }).error).toMatchObject({
      param: 'max_tokens',
      message: expect.stringContaining(`over the limit of ${TPM} tokens per minute`),
    });
  });
});
