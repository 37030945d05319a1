import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { sampleValue, sseOf, startFakeUpstream, startRedis, UPSTREAM_TRANSCRIPTS, waitFor, type FakeUpstream, type TestRedis } from '@tokenscope/testing';
import { servedModelsKey } from '@tokenscope/queue-contracts';
import { jsonSchema, streamText, tool } from 'ai';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { loadTokenizer } from '../src/tokens/tokenizer.js';
import { jsonPost, startGateway, type RunningGateway } from './gateway-harness.js';

const models = [...new Set(UPSTREAM_TRANSCRIPTS.map((t) => t.model))];
const VLLM = 'meta-llama/Llama-3.1-8B-Instruct';
const transcriptOf = (server: string, kind: string) => UPSTREAM_TRANSCRIPTS.find((t) => t.server === server && t.kind === kind)!;

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

/**
 * The gateway in front of an OpenAI-compatible server with nothing but LLM_BACKEND=openai and
 * UPSTREAM_URL (and a PRICES_FILE): clients get what the server sent, every request is counted once.
 */
describe('transparent relay in front of an OpenAI-compatible server, configured by two variables', () => {
  let redis: TestRedis;
  let upstream: FakeUpstream;
  let gateway: RunningGateway;
  let client: OpenAI;

  beforeAll(async () => {
    redis = await startRedis();
    upstream = await startFakeUpstream({ models });
    const dir = mkdtempSync(join(tmpdir(), 'prices-'));
    const pricesFile = join(dir, 'prices.yaml');
    writeFileSync(pricesFile, `prices:\n  ${VLLM}:\n    price: { input_per_1k_usd: 1, output_per_1k_usd: 2, cached_input_per_1k_usd: 0.1 }\n`);
    gateway = await startGateway({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      LLM_BACKEND: 'openai',
      UPSTREAM_URL: `${upstream.url}/v1`,
      PRICES_FILE: pricesFile,
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  afterEach(() => {
    Object.assign(upstream.behavior, { transcript: undefined, ttftMs: 0, interTokenMs: 0, fault: { kind: 'none' } });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await redis?.stop();
  });

  const metric = async (name: string, labels: Record<string, string> = {}) => sampleValue(await gateway.metrics(), name, labels);

  describe('zero-config upstream', () => {
    it('serves the models the upstream lists, under their own names, with no MODELS_FILE', async () => {
      const listed = await client.models.list();
      expect(listed.data.map((m) => m.id)).toEqual(models);
      const simulated = await jsonPost(`${gateway.url}/v1/chat/completions`, { model: 'sim-fast', messages: [{ role: 'user', content: 'x' }] });
      expect(simulated.status).toBe(404);
    });

    it('answers /v1/generate without a model from the first model listed', async () => {
      const response = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'hello' });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { model: string }).model).toBe(models[0]);
      expect(upstream.received.at(-1)!.body.model).toBe(models[0]);
    });

    it('names the models it serves in Redis, for the quality service to label them', async () => {
      const reader = new Redis(redis.url);
      try {
        expect((await reader.smembers(servedModelsKey(redis.prefix))).sort()).toEqual([...models].sort());
        expect(await reader.ttl(servedModelsKey(redis.prefix))).toBeGreaterThan(0);
      } finally {
        reader.disconnect();
      }
    });

    it('follows the upstream when its model list changes', async () => {
      upstream.behavior.models = [...models, 'late-model'];
      await gateway.app.get((await import('../src/backends/model-discovery.service.js')).ModelDiscovery).refresh();
      expect((await client.models.list()).data.map((m) => m.id)).toContain('late-model');
      expect(await metric('llm_requests_total', { model: 'late-model', status: 'success' })).toBe(0);
      upstream.behavior.models = models;
    });

    it('counts a model without a price as unpriced, and bills a priced one with its cached-token price', async () => {
      const unpricedBefore = await metric('llm_unpriced_requests_total', { model: transcriptOf('tgi', 'plain').model });
      upstream.behavior.transcript = transcriptOf('tgi', 'plain').transcript;
      await client.chat.completions.create({ model: transcriptOf('tgi', 'plain').model, messages: [{ role: 'user', content: 'x' }], stream: true }).then(drain);
      expect((await metric('llm_unpriced_requests_total', { model: transcriptOf('tgi', 'plain').model })) - unpricedBefore).toBe(1);

      const costBefore = await metric('llm_cost_dollars_total', { model: VLLM });
      upstream.behavior.transcript = transcriptOf('vllm', 'plain').transcript;
      await client.chat.completions.create({ model: VLLM, messages: [{ role: 'user', content: 'x' }], stream: true }).then(drain);
      // 24 prompt tokens of which 16 cached, 3 completion: 8 x $1/1K + 16 x $0.1/1K + 3 x $2/1K
      expect((await metric('llm_cost_dollars_total', { model: VLLM })) - costBefore).toBeCloseTo((8 * 1 + 16 * 0.1 + 3 * 2) / 1000, 12);
    });
  });

  describe.each(UPSTREAM_TRANSCRIPTS.filter((t) => t.kind !== 'error'))('a $server $kind answer', (named) => {
    it('reaches the client byte for byte, and is counted once with the upstream usage', async () => {
      upstream.behavior.transcript = named.transcript;
      const labels = { model: named.model };
      const before = {
        success: await metric('llm_requests_total', { ...labels, status: 'success' }),
        completion: await metric('llm_tokens_generated_total', labels),
        prompt: await metric('llm_prompt_tokens_total', labels),
        cached: await metric('llm_cached_prompt_tokens_total', labels),
        reasoning: await metric('llm_reasoning_tokens_total', labels),
        ttft: await metric('llm_ttft_seconds_count', labels),
      };
      const response = await jsonPost(`${gateway.url}/v1/chat/completions`, {
        model: named.model,
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(named.transcript.stream);
      expect((await metric('llm_requests_total', { ...labels, status: 'success' })) - before.success).toBe(1);
      expect((await metric('llm_tokens_generated_total', labels)) - before.completion).toBe(named.expected.completionTokens);
      expect((await metric('llm_prompt_tokens_total', labels)) - before.prompt).toBe(named.expected.promptTokens);
      expect((await metric('llm_cached_prompt_tokens_total', labels)) - before.cached).toBe(named.expected.cachedTokens);
      expect((await metric('llm_reasoning_tokens_total', labels)) - before.reasoning).toBe(named.expected.reasoningTokens);
      // a tool call or reasoning is the first thing the client sees: TTFT is observed for every one
      expect((await metric('llm_ttft_seconds_count', labels)) - before.ttft).toBe(1);
    });
  });

  describe.each(UPSTREAM_TRANSCRIPTS.filter((t) => t.kind === 'error'))('a $server error inside the stream', (named) => {
    it('makes the openai client raise, and is counted once as an error, never as a success', async () => {
      upstream.behavior.transcript = named.transcript;
      const labels = { model: named.model };
      const before = {
        success: await metric('llm_requests_total', { ...labels, status: 'success' }),
        error: await metric('llm_requests_total', { ...labels, status: 'error' }),
        code: await metric('llm_request_errors_total', { ...labels, code: 'UPSTREAM_STREAM_ERROR' }),
      };
      const stream = await client.chat.completions.create({ model: named.model, messages: [{ role: 'user', content: 'x' }], stream: true });
      await expect(drain(stream)).rejects.toThrow(/upstream failed during the answer/);
      expect((await metric('llm_requests_total', { ...labels, status: 'success' })) - before.success).toBe(0);
      expect((await metric('llm_requests_total', { ...labels, status: 'error' })) - before.error).toBe(1);
      expect((await metric('llm_request_errors_total', { ...labels, code: 'UPSTREAM_STREAM_ERROR' })) - before.code).toBe(1);
    });
  });

  describe('streams that end wrong', () => {
    const chunk = (delta: object, finish: string | null = null) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: VLLM, choices: [{ index: 0, delta, finish_reason: finish }] });

    it.each([
      ['[DONE] without any finish reason', sseOf(chunk({ role: 'assistant', content: 'Hi' }), '[DONE]')],
      ['a finish reason, then the connection closes without [DONE]', sseOf(chunk({ content: 'Hi' }), chunk({}, 'stop'))],
    ])('%s: the client raises, counted once as an error', async (_name, stream) => {
      upstream.behavior.transcript = { stream };
      const errorBefore = await metric('llm_requests_total', { model: VLLM, status: 'error' });
      const successBefore = await metric('llm_requests_total', { model: VLLM, status: 'success' });
      await expect(client.chat.completions.create({ model: VLLM, messages: [{ role: 'user', content: 'x' }], stream: true }).then(drain)).rejects.toThrow();
      expect((await metric('llm_requests_total', { model: VLLM, status: 'error' })) - errorBefore).toBe(1);
      expect((await metric('llm_requests_total', { model: VLLM, status: 'success' })) - successBefore).toBe(0);
    });
  });

  describe('fields both ways', () => {
    it('sends every request field it does not use to the upstream unchanged, vendor extras included', async () => {
      const body = {
        model: VLLM,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } }] },
        ],
        tools: [weatherTool],
        tool_choice: 'auto',
        parallel_tool_calls: false,
        response_format: { type: 'json_object' },
        seed: 7,
        stop: ['\n\n'],
        logprobs: true,
        top_logprobs: 3,
        n: 2,
        presence_penalty: 0.5,
        frequency_penalty: 0.25,
        logit_bias: { '50256': -100 },
        guided_json: { type: 'object' },
        top_k: 40,
        repetition_penalty: 1.1,
        max_completion_tokens: 64,
        user: 'alice',
        context: ['grounding document, tokenscope only'],
      };
      upstream.behavior.transcript = { body: transcriptOf('vllm', 'tool-call').transcript.body };
      const response = await jsonPost(`${gateway.url}/v1/chat/completions`, body);
      expect(response.status).toBe(200);
      const { context: _tokenscopeOnly, ...expected } = body;
      expect(upstream.received.at(-1)!.body).toEqual(expected);
    });

    it('relays a plain answer with tool calls, reasoning fields and vendor fields exactly as the upstream wrote them', async () => {
      const upstreamBody = transcriptOf('vllm', 'tool-call').transcript.body;
      upstream.behavior.transcript = { body: upstreamBody };
      const response = await jsonPost(`${gateway.url}/v1/chat/completions`, { model: VLLM, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool] });
      expect(await response.text()).toBe(JSON.stringify(upstreamBody));
    });

    it('drops only the usage chunk the gateway asked for when the client did not', async () => {
      const named = transcriptOf('vllm', 'plain');
      upstream.behavior.transcript = named.transcript;
      const response = await jsonPost(`${gateway.url}/v1/chat/completions`, { model: VLLM, messages: [{ role: 'user', content: 'x' }], stream: true });
      const withoutUsage = named.transcript.stream!.split('\n\n').filter((event) => !event.includes('"usage"')).join('\n\n');
      expect(await response.text()).toBe(withoutUsage);
      expect(upstream.received.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    });

    it("gives the client an upstream's 400 as the upstream wrote it, counted as rejected", async () => {
      const refusal = { object: 'error', message: "This model's maximum context length is 8192 tokens.", type: 'BadRequestError', param: null, code: 400 };
      upstream.behavior.transcript = { status: 400, body: refusal };
      const rejectedBefore = await metric('llm_requests_total', { model: VLLM, status: 'rejected' });
      const response = await jsonPost(`${gateway.url}/v1/chat/completions`, { model: VLLM, messages: [{ role: 'user', content: 'x' }] });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual(refusal);
      expect((await metric('llm_requests_total', { model: VLLM, status: 'rejected' })) - rejectedBefore).toBe(1);
    });
  });

  describe('embeddings', () => {
    it('relays /v1/embeddings as the upstream answered, counting its prompt tokens and cost once', async () => {
      const answer = {
        object: 'list',
        data: [
          { object: 'embedding', index: 0, embedding: [0.25, -0.5, 0.125] },
          { object: 'embedding', index: 1, embedding: [0.5, 0.5, -0.25] },
        ],
        model: VLLM,
        usage: { prompt_tokens: 7, total_tokens: 7 },
      };
      upstream.behavior.transcript = { body: answer };
      const labels = { model: VLLM };
      const before = {
        success: await metric('llm_requests_total', { ...labels, status: 'success' }),
        prompt: await metric('llm_prompt_tokens_total', labels),
        cost: await metric('llm_cost_dollars_total', labels),
        latency: await metric('llm_request_latency_seconds_count', labels),
      };
      const result = await client.embeddings.create({ model: VLLM, input: ['first text', 'second text'], encoding_format: 'float' });
      expect(result.data.map((d) => d.embedding)).toEqual(answer.data.map((d) => d.embedding));
      expect(result.usage).toEqual(answer.usage);
      expect(upstream.received.at(-1)).toMatchObject({ path: '/v1/embeddings', body: { model: VLLM, input: ['first text', 'second text'], encoding_format: 'float' } });
      expect((await metric('llm_requests_total', { ...labels, status: 'success' })) - before.success).toBe(1);
      expect((await metric('llm_prompt_tokens_total', labels)) - before.prompt).toBe(7);
      expect((await metric('llm_cost_dollars_total', labels)) - before.cost).toBeCloseTo((7 * 1) / 1000, 12);
      expect((await metric('llm_request_latency_seconds_count', labels)) - before.latency).toBe(1);
    });
  });

  describe('with the official openai client', () => {
    it('streams tool calls that assemble into the call the model made', async () => {
      upstream.behavior.transcript = transcriptOf('vllm', 'tool-call').transcript;
      const stream = await client.chat.completions.create({ model: VLLM, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool], stream: true });
      const calls: Array<{ id?: string; name: string; arguments: string }> = [];
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) {
          calls[call.index] ??= { name: '', arguments: '' };
          if (call.id) calls[call.index]!.id = call.id;
          calls[call.index]!.name += call.function?.name ?? '';
          calls[call.index]!.arguments += call.function?.arguments ?? '';
        }
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(calls).toEqual([{ id: 'chatcmpl-tool-5f1c', name: 'get_weather', arguments: '{"city": "Paris"}' }]);
      expect(finish).toBe('tool_calls');
    });

    it('sends the second turn of a tool flow with the assistant tool_calls and the tool result unchanged', async () => {
      upstream.behavior.transcript = { body: transcriptOf('vllm', 'tool-call').transcript.body };
      const first = await client.chat.completions.create({ model: VLLM, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool] });
      const assistant = first.choices[0]!.message;
      expect(assistant.tool_calls?.[0]).toMatchObject({ id: 'chatcmpl-tool-5f1c', function: weatherCallOf() });
      upstream.behavior.transcript = transcriptOf('vllm', 'plain').transcript;
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: 'user', content: 'Weather in Paris?' },
        assistant as OpenAI.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: 'chatcmpl-tool-5f1c', content: '{"temp_c": 18}' },
      ];
      const second = await client.chat.completions.create({ model: VLLM, messages, tools: [weatherTool], stream: true });
      let text = '';
      for await (const chunk of second) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text).toBe('Bonjour à tous');
      expect(upstream.received.at(-1)!.body.messages).toEqual(JSON.parse(JSON.stringify(messages)));
    });

    it('keeps reasoning_content and logprobs', async () => {
      upstream.behavior.transcript = transcriptOf('vllm', 'reasoning').transcript;
      const stream = await client.chat.completions.create({ model: VLLM, messages: [{ role: 'user', content: 'hi' }], stream: true });
      let reasoning = '';
      for await (const chunk of stream) reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
      expect(reasoning).toBe('The user greets me; answer briefly.');

      const logprobs = { content: [{ token: 'Hi', logprob: -0.01, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.01, bytes: [72, 105] }] }] };
      upstream.behavior.transcript = {
        body: { id: 'x', object: 'chat.completion', created: 1, model: VLLM, choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, logprobs, finish_reason: 'stop' }] },
      };
      const plain = await client.chat.completions.create({ model: VLLM, messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 1 });
      expect(plain.choices[0]!.logprobs).toEqual(logprobs);
    });
  });

  describe('with the Vercel AI SDK', () => {
    it('streamText with a tool gets the tool call the upstream streamed', async () => {
      upstream.behavior.transcript = transcriptOf('vllm', 'tool-call').transcript;
      const provider = createOpenAICompatible({ name: 'tokenscope', baseURL: `${gateway.url}/v1`, apiKey: 'unused', includeUsage: true });
      const result = streamText({
        model: provider(VLLM),
        prompt: 'Weather in Paris?',
        tools: { get_weather: tool({ description: 'Weather in a city', inputSchema: jsonSchema<{ city: string }>(weatherTool.function.parameters as never) }) },
      });
      const calls = await result.toolCalls;
      expect(calls.map((c) => ({ name: c.toolName, input: c.input }))).toEqual([{ name: 'get_weather', input: { city: 'Paris' } }]);
      expect((await result.usage).inputTokens).toBe(180);
    });
  });

  describe('with LangChain', () => {
    const chat = () => new ChatOpenAI({ model: VLLM, apiKey: 'unused', maxRetries: 0, configuration: { baseURL: `${gateway.url}/v1` } }).bindTools([weatherTool]);

    it('bindTools + invoke returns the tool call', async () => {
      upstream.behavior.transcript = { body: transcriptOf('vllm', 'tool-call').transcript.body, stream: transcriptOf('vllm', 'tool-call').transcript.stream };
      const message = await chat().invoke('Weather in Paris?');
      expect(message.tool_calls?.map((c) => ({ name: c.name, args: c.args }))).toEqual([{ name: 'get_weather', args: { city: 'Paris' } }]);
    });

    it('bindTools + stream assembles the same tool call', async () => {
      upstream.behavior.transcript = transcriptOf('vllm', 'tool-call').transcript;
      let joined: Awaited<ReturnType<ReturnType<typeof chat>['invoke']>> | undefined;
      for await (const chunk of await chat().stream('Weather in Paris?')) joined = joined ? (joined.concat(chunk) as typeof joined) : chunk;
      expect(joined?.tool_calls?.map((c) => ({ name: c.name, args: c.args }))).toEqual([{ name: 'get_weather', args: { city: 'Paris' } }]);
    });
  });

  describe('time to first token, both sides', () => {
    it("splits each request's TTFT into the upstream's own and the gateway's share", async () => {
      upstream.behavior.transcript = transcriptOf('vllm', 'plain').transcript;
      upstream.behavior.ttftMs = 60;
      const labels = { model: VLLM };
      const read = async () => ({
        ttft: await metric('llm_ttft_seconds_sum', labels),
        upstreamTtft: await metric('llm_upstream_ttft_seconds_sum', labels),
        overhead: await metric('llm_gateway_ttft_overhead_seconds_sum', labels),
        overheadCount: await metric('llm_gateway_ttft_overhead_seconds_count', labels),
      });
      const before = await read();
      await client.chat.completions.create({ model: VLLM, messages: [{ role: 'user', content: 'x' }], stream: true }).then(drain);
      const after = await read();
      const upstreamTtft = after.upstreamTtft - before.upstreamTtft;
      expect(after.overheadCount - before.overheadCount).toBe(1);
      expect(upstreamTtft).toBeGreaterThanOrEqual(0.06);
      expect(after.overhead - before.overhead).toBeCloseTo(after.ttft - before.ttft - upstreamTtft, 9);
    });
  });

  describe('a client that leaves', () => {
    it('mid-stream: upstream aborted, counted cancelled, prompt and streamed tokens billed as estimated', async () => {
      const named = transcriptOf('vllm', 'plain');
      upstream.behavior.transcript = named.transcript;
      upstream.behavior.interTokenMs = 300;
      const labels = { model: VLLM };
      const before = {
        cancelled: await metric('llm_requests_total', { ...labels, status: 'cancelled' }),
        prompt: await metric('llm_prompt_tokens_total', labels),
        completion: await metric('llm_tokens_generated_total', labels),
        estimated: await metric('llm_usage_estimated_total', labels),
        cost: await metric('llm_cost_dollars_total', labels),
        aborted: upstream.abortedCount(),
      };
      const controller = new AbortController();
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: VLLM, messages: [{ role: 'user', content: 'tell me a long story' }], stream: true }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      let seen = '';
      while (!seen.includes('Bonjour')) seen += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      await waitFor(async () => {
        if ((await metric('llm_requests_total', { ...labels, status: 'cancelled' })) - before.cancelled !== 1) throw new Error('not yet');
      });
      const tokenizer = await loadTokenizer();
      const promptTokens = await tokenizer.countChat([{ role: 'user', content: 'tell me a long story' }]);
      expect((await metric('llm_prompt_tokens_total', labels)) - before.prompt).toBe(promptTokens);
      expect((await metric('llm_tokens_generated_total', labels)) - before.completion).toBe(await tokenizer.count('Bonjour'));
      expect((await metric('llm_usage_estimated_total', labels)) - before.estimated).toBe(1);
      expect((await metric('llm_cost_dollars_total', labels)) - before.cost).toBeCloseTo((promptTokens * 1 + (await tokenizer.count('Bonjour')) * 2) / 1000, 12);
      await waitFor(async () => {
        if (upstream.abortedCount() - before.aborted !== 1) throw new Error('upstream not aborted yet');
      });
    });

    it('before the first token: counted cancelled, the prompt billed, nothing generated', async () => {
      upstream.behavior.transcript = transcriptOf('vllm', 'plain').transcript;
      upstream.behavior.ttftMs = 5000;
      const labels = { model: VLLM };
      const before = {
        cancelled: await metric('llm_requests_total', { ...labels, status: 'cancelled' }),
        prompt: await metric('llm_prompt_tokens_total', labels),
        completion: await metric('llm_tokens_generated_total', labels),
        aborted: upstream.abortedCount(),
      };
      const controller = new AbortController();
      const pending = fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: VLLM, messages: [{ role: 'user', content: 'never mind' }], stream: true }),
        signal: controller.signal,
      }).catch(() => undefined);
      await waitFor(async () => {
        if (upstream.received.at(-1)?.body.messages === undefined || JSON.stringify(upstream.received.at(-1)!.body.messages).indexOf('never mind') === -1) throw new Error('not sent yet');
      });
      controller.abort();
      await pending;
      await waitFor(async () => {
        if ((await metric('llm_requests_total', { ...labels, status: 'cancelled' })) - before.cancelled !== 1) throw new Error('not yet');
      });
      const tokenizer = await loadTokenizer();
      expect((await metric('llm_prompt_tokens_total', labels)) - before.prompt).toBe(await tokenizer.countChat([{ role: 'user', content: 'never mind' }]));
      expect((await metric('llm_tokens_generated_total', labels)) - before.completion).toBe(0);
      await waitFor(async () => {
        if (upstream.abortedCount() - before.aborted !== 1) throw new Error('upstream not aborted yet');
      });
    });
  });
});

function weatherCallOf() {
  return { name: 'get_weather', arguments: '{"city": "Paris"}' };
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of stream) {
    // reading to the end is the point
  }
}
