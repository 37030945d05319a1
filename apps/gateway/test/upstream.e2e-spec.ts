import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeUpstreamText, freePort, sampleValue, startFakeUpstream, startRedis, waitFor, type FakeUpstream, type TestRedis } from '@tokenscope/testing';
import OpenAI from 'openai';
import { loadTokenizer } from '../src/tokens/tokenizer.js';
import { jsonPost, readSse, startGateway, type RunningGateway } from './gateway-harness.js';

const MODEL = 'relay-model';

describe('the openai backend in front of an OpenAI-compatible upstream', () => {
  let redis: TestRedis;
  let upstream: FakeUpstream;
  let gateway: RunningGateway;
  let client: OpenAI;

  beforeAll(async () => {
    redis = await startRedis();
    upstream = await startFakeUpstream({ tokens: 8 });
    const closedPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'models-'));
    const modelsFile = join(dir, 'models.yaml');
    writeFileSync(
      modelsFile,
      [
        'models:',
        `  - name: ${MODEL}`,
        `    upstream_url: ${upstream.url}/v1`,
        '    upstream_model: upstream-model',
        '    price: { input_per_1k_usd: 1, output_per_1k_usd: 2 }',
        '  - name: nowhere-model',
        `    upstream_url: http://127.0.0.1:${closedPort}`,
        '    price: { input_per_1k_usd: 1, output_per_1k_usd: 2 }',
      ].join('\n'),
    );
    gateway = await startGateway({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      LLM_BACKEND: 'openai',
      MODELS_FILE: modelsFile,
      UPSTREAM_TIMEOUT_MS: '400',
      UPSTREAM_API_KEY: 'sk-upstream-secret',
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  afterEach(() => {
    Object.assign(upstream.behavior, { tokens: 8, ttftMs: 0, interTokenMs: 0, reportsUsage: true, fault: { kind: 'none' }, transcript: undefined });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await redis?.stop();
  });

  const metric = async (name: string, labels: Record<string, string> = {}) => sampleValue(await gateway.metrics(), name, labels);

  it('streams upstream chunks through, asks the upstream to stream with usage, and keeps its usage', async () => {
    const before = await metric('llm_tokens_generated_total', { model: MODEL });
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(fakeUpstreamText(8));
    expect(usage).toEqual({ prompt_tokens: 11, completion_tokens: 8, total_tokens: 19 });
    const sent = upstream.received.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.body).toMatchObject({ model: 'upstream-model', stream: true, stream_options: { include_usage: true } });
    expect(sent.headers.authorization).toBe('Bearer sk-upstream-secret');
    expect((await metric('llm_tokens_generated_total', { model: MODEL })) - before).toBe(8);
  });

  it('relays a non-streamed answer as the upstream wrote it, with the served model name, and measures its latency', async () => {
    const latencyBefore = await metric('llm_request_latency_seconds_count', { model: MODEL });
    const ttftBefore = await metric('llm_ttft_seconds_count', { model: MODEL });
    const completion = await client.completions.create({ model: MODEL, prompt: 'Say it', max_tokens: 5 });
    expect(completion.choices[0]?.text).toBe(fakeUpstreamText(5));
    expect(completion.choices[0]?.finish_reason).toBe('length');
    // the upstream's own id and model field, renamed to what the client asked for
    expect(completion.id).toBe('cmpl-fake');
    expect(completion.model).toBe(MODEL);
    expect(upstream.received.at(-1)).toMatchObject({ path: '/v1/completions', body: { model: 'upstream-model', prompt: 'Say it', max_tokens: 5 } });
    expect(upstream.received.at(-1)!.body.stream).toBeUndefined();
    expect((await metric('llm_request_latency_seconds_count', { model: MODEL })) - latencyBefore).toBe(1);
    // a non-streamed answer has no first token the gateway can see
    expect((await metric('llm_ttft_seconds_count', { model: MODEL })) - ttftBefore).toBe(0);
  });

  it("relays an upstream's 400 on a chat request as it wrote it, with our upstream key redacted", async () => {
    upstream.behavior.transcript = { status: 400, body: { error: { message: 'bad key sk-upstream-secret for this request', type: 'BadRequestError', code: 400 } } };
    const response = await jsonPost(`${gateway.url}/v1/chat/completions`, { model: MODEL, messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toContain('sk-upstream-secret');
    expect(JSON.parse(text)).toEqual({ error: { message: 'bad key [redacted] for this request', type: 'BadRequestError', code: 400 } });
    upstream.behavior.transcript = undefined;
  });

  it('redacts our upstream key from an error the upstream reports inside a stream', async () => {
    upstream.behavior.transcript = {
      stream: `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"upstream-model","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\ndata: {"error":{"message":"token sk-upstream-secret expired","code":500}}\n\n`,
    };
    const response = await jsonPost(`${gateway.url}/v1/chat/completions`, { model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    const text = await response.text();
    expect(text).not.toContain('sk-upstream-secret');
    expect(text).toContain('token [redacted] expired');
    upstream.behavior.transcript = undefined;
  });

  it('counts tokens itself, marked estimated, when the upstream reports no usage', async () => {
    upstream.behavior.reportsUsage = false;
    const estimatedBefore = await metric('llm_usage_estimated_total', { model: MODEL });
    const response = await jsonPost(`${gateway.url}/v1/generate`, { model: MODEL, prompt: 'count me' });
    const body = (await response.json()) as { text: string; usage: { completion_tokens: number; prompt_tokens: number } };
    const tokenizer = await loadTokenizer();
    expect(body.text).toBe(fakeUpstreamText(8));
    expect(body.usage.completion_tokens).toBe(await tokenizer.count(fakeUpstreamText(8)));
    expect(body.usage.prompt_tokens).toBe(await tokenizer.count('count me'));
    expect((await metric('llm_usage_estimated_total', { model: MODEL })) - estimatedBefore).toBe(1);
  });

  it('turns an upstream 500 into a 502, counted once as an error', async () => {
    upstream.behavior.fault = { kind: 'status', status: 500 };
    const errorsBefore = await metric('llm_requests_total', { model: MODEL, status: 'error' });
    const codeBefore = await metric('llm_request_errors_total', { model: MODEL, code: 'UPSTREAM_ERROR' });
    const response = await jsonPost(`${gateway.url}/v1/generate`, { model: MODEL, prompt: 'x', stream: true });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UPSTREAM_ERROR');
    expect((await metric('llm_requests_total', { model: MODEL, status: 'error' })) - errorsBefore).toBe(1);
    expect((await metric('llm_request_errors_total', { model: MODEL, code: 'UPSTREAM_ERROR' })) - codeBefore).toBe(1);
    expect(await metric('llm_active_requests')).toBe(0);
  });

  it('passes an upstream 429 on with Retry-After, and an upstream 400 as the client’s fault', async () => {
    upstream.behavior.fault = { kind: 'status', status: 429 };
    const limited = await jsonPost(`${gateway.url}/v1/generate`, { model: MODEL, prompt: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    upstream.behavior.fault = { kind: 'status', status: 400 };
    const rejected = await jsonPost(`${gateway.url}/v1/generate`, { model: MODEL, prompt: 'x' });
    expect(rejected.status).toBe(400);
    expect(((await rejected.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'UPSTREAM_REJECTED',
      message: 'the upstream rejected the request: upstream says no',
    });
  });

  it('answers 502 when the upstream refuses connections', async () => {
    const response = await jsonPost(`${gateway.url}/v1/generate`, { model: 'nowhere-model', prompt: 'x' });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('answers 504 when the upstream hangs past UPSTREAM_TIMEOUT_MS, and closes that connection', async () => {
    upstream.behavior.fault = { kind: 'hang' };
    const abortedBefore = upstream.abortedCount();
    const timeoutsBefore = await metric('llm_request_errors_total', { model: MODEL, code: 'UPSTREAM_TIMEOUT' });
    const response = await jsonPost(`${gateway.url}/v1/generate`, { model: MODEL, prompt: 'x' });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UPSTREAM_TIMEOUT');
    await waitFor(() => expect(upstream.abortedCount()).toBe(abortedBefore + 1));
    expect((await metric('llm_request_errors_total', { model: MODEL, code: 'UPSTREAM_TIMEOUT' })) - timeoutsBefore).toBe(1);
  });

  it('ends a stream cut mid-way with an error event and no [DONE], counted once', async () => {
    // tokens spaced out, as a real server sends them: bytes buffered right before a reset are lost
    Object.assign(upstream.behavior, { interTokenMs: 10, fault: { kind: 'cut', afterTokens: 3 } });
    const before = await metric('llm_request_errors_total', { model: MODEL, code: 'UPSTREAM_STREAM_CUT' });
    const requestsBefore = await metric('llm_requests_total', { model: MODEL, status: 'error' });
    const response = await jsonPost(`${gateway.url}/v1/chat/completions`, { model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    expect(response.status).toBe(200);
    const events = await readSse(response);
    expect(events).toHaveLength(4);
    expect(JSON.parse(events[3]!)).toMatchObject({ error: { code: 'UPSTREAM_STREAM_CUT', type: 'server_error' } });
    expect(events).not.toContain('[DONE]');
    expect((await metric('llm_request_errors_total', { model: MODEL, code: 'UPSTREAM_STREAM_CUT' })) - before).toBe(1);
    expect((await metric('llm_requests_total', { model: MODEL, status: 'error' })) - requestsBefore).toBe(1);
    expect(await metric('llm_active_requests')).toBe(0);
  });

  it('makes the openai client raise on a cut stream', async () => {
    Object.assign(upstream.behavior, { interTokenMs: 10, fault: { kind: 'cut', afterTokens: 2 } });
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    const consume = async () => {
      for await (const chunk of stream) void chunk;
    };
    await expect(consume()).rejects.toThrow(/stream/i);
  });

  it('answers 502 to a non-streaming client when the upstream stream is cut', async () => {
    upstream.behavior.fault = { kind: 'cut', afterTokens: 3 };
    const response = await jsonPost(`${gateway.url}/v1/generate`, { model: MODEL, prompt: 'x' });
    expect(response.status).toBe(502);
  });

  it('gives up on a trickle that stalls longer than the timeout between chunks', async () => {
    Object.assign(upstream.behavior, { interTokenMs: 1000 });
    const response = await jsonPost(`${gateway.url}/v1/generate`, { model: MODEL, prompt: 'x', stream: true });
    const events = await readSse(response);
    expect(JSON.parse(events.at(-1)!)).toMatchObject({ error: { code: 'UPSTREAM_TIMEOUT' } });
  });

  it('counts a client that leaves mid-stream as cancelled and aborts the upstream request at once', async () => {
    Object.assign(upstream.behavior, { tokens: 50, interTokenMs: 50 });
    const cancelledBefore = await metric('llm_requests_total', { model: MODEL, status: 'cancelled' });
    const abortedBefore = upstream.abortedCount();
    const response = await jsonPost(`${gateway.url}/v1/generate`, { model: MODEL, prompt: 'x', stream: true });
    const reader = response.body!.getReader();
    await reader.read(); // the first token arrived
    await reader.cancel();
    await waitFor(() => expect(upstream.abortedCount()).toBe(abortedBefore + 1), { timeoutMs: 2000 });
    await waitFor(async () => expect((await metric('llm_requests_total', { model: MODEL, status: 'cancelled' })) - cancelledBefore).toBe(1));
    expect(await metric('llm_active_requests')).toBe(0);
    // 50 tokens at 50 ms would take 2.5 s: the upstream was stopped long before the end
    expect(upstream.received.length).toBeGreaterThan(0);
  });
});
