import type { UpstreamTranscript } from './fake-upstream.js';

/**
 * What vLLM, TGI, llama.cpp's server and Ollama send on their OpenAI-compatible chat endpoint,
 * written from their documentation and server code (field order, nulls, vendor fields and error
 * shapes included), for the relay tests. Each is replayed by the fake upstream as it is here.
 *
 * - vLLM (0.8+): `stop_reason` beside `finish_reason`, a usage-only chunk with `choices: []`,
 *   `prompt_tokens_details.cached_tokens` with prefix caching, `reasoning_content` from a
 *   reasoning parser, errors as `data: {"error": {...}}` followed by `data: [DONE]`.
 * - TGI (3.x Messages API): empty `id`, `system_fingerprint`, `usage: null` on every chunk,
 *   errors as `data: {"error": "text", "error_type": "..."}` and no [DONE].
 * - llama.cpp server: keys in its own order, `content: null` on the role chunk, usage and
 *   `timings` on the finishing chunk, errors in an `error:` field (not `data:`).
 * - Ollama (/v1): `system_fingerprint: "fp_ollama"`, tool calls whole in one chunk, `reasoning`
 *   (not `reasoning_content`), errors as `data: {"error": {...}}`.
 */
export interface NamedTranscript {
  server: 'vllm' | 'tgi' | 'llama.cpp' | 'ollama';
  kind: 'plain' | 'tool-call' | 'reasoning' | 'error';
  /** The model name the server reports (the zero-config gateway serves it under that name). */
  model: string;
  transcript: UpstreamTranscript;
  /** What the gateway must count: the answer text, the finish reason, the usage. */
  expected: { text: string; finishReason: string | null; promptTokens: number; completionTokens: number; cachedTokens: number; reasoningTokens: number };
}

/** Turns payloads into an event stream body: `data: <payload>\n\n` each, or a raw line where given as `{raw}`. */
export function sseOf(...events: Array<unknown>): string {
  return events.map((event) => (typeof event === 'object' && event !== null && 'raw' in event ? `${(event as { raw: string }).raw}\n\n` : `data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`)).join('');
}

const VLLM_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const vllmChunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-9b1f0c2e5d',
  object: 'chat.completion.chunk',
  created: 1764806400,
  model: VLLM_MODEL,
  choices: [{ index: 0, ...choice, logprobs: null, finish_reason: null, ...(choice.finish_reason !== undefined ? { finish_reason: choice.finish_reason, stop_reason: null } : {}) }],
  ...extra,
});
const vllmUsage = (prompt: number, completion: number, cached: number) => ({
  id: 'chatcmpl-9b1f0c2e5d',
  object: 'chat.completion.chunk',
  created: 1764806400,
  model: VLLM_MODEL,
  choices: [],
  usage: { prompt_tokens: prompt, total_tokens: prompt + completion, completion_tokens: completion, prompt_tokens_details: { cached_tokens: cached } },
});

const TGI_MODEL = 'mistralai/Mistral-7B-Instruct-v0.3';
const tgiChunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
  object: 'chat.completion.chunk',
  id: '',
  created: 1764806400,
  model: TGI_MODEL,
  system_fingerprint: '3.3.4-sha-9f38d93',
  choices: [{ index: 0, delta: { role: 'assistant', ...delta }, logprobs: null, finish_reason: finishReason }],
  usage: null,
});

const LLAMACPP_MODEL = 'qwen2.5-7b-instruct-q4_k_m.gguf';
const llamaChunk = (delta: Record<string, unknown>, finishReason: string | null = null, extra: Record<string, unknown> = {}) => ({
  choices: [{ finish_reason: finishReason, index: 0, delta }],
  created: 1764806400,
  id: 'chatcmpl-Xq7Lr2dY4c',
  model: LLAMACPP_MODEL,
  system_fingerprint: 'b6400-a1b2c3d4',
  object: 'chat.completion.chunk',
  ...extra,
});

const OLLAMA_MODEL = 'qwen3:8b';
const ollamaChunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
  id: 'chatcmpl-412',
  object: 'chat.completion.chunk',
  created: 1764806400,
  model: OLLAMA_MODEL,
  system_fingerprint: 'fp_ollama',
  choices: [{ index: 0, delta: { role: 'assistant', ...delta }, finish_reason: finishReason }],
});

const weatherCall = { name: 'get_weather', arguments: '{"city": "Paris"}' };

export const UPSTREAM_TRANSCRIPTS: NamedTranscript[] = [
  {
    server: 'vllm',
    kind: 'plain',
    model: VLLM_MODEL,
    transcript: {
      stream: sseOf(
        vllmChunk({ delta: { role: 'assistant', content: '' } }),
        vllmChunk({ delta: { content: 'Bonjour' } }),
        vllmChunk({ delta: { content: ' à' } }),
        vllmChunk({ delta: { content: ' tous' } }),
        vllmChunk({ delta: { content: '' }, finish_reason: 'stop' }),
        vllmUsage(24, 3, 16),
        '[DONE]',
      ),
    },
    expected: { text: 'Bonjour à tous', finishReason: 'stop', promptTokens: 24, completionTokens: 3, cachedTokens: 16, reasoningTokens: 0 },
  },
  {
    server: 'vllm',
    kind: 'tool-call',
    model: VLLM_MODEL,
    transcript: {
      stream: sseOf(
        vllmChunk({ delta: { role: 'assistant', content: '' } }),
        vllmChunk({ delta: { tool_calls: [{ id: 'chatcmpl-tool-5f1c', type: 'function', index: 0, function: { name: 'get_weather' } }] } }),
        vllmChunk({ delta: { tool_calls: [{ index: 0, function: { arguments: '{"city": ' } }] } }),
        vllmChunk({ delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] } }),
        vllmChunk({ delta: { content: '' }, finish_reason: 'tool_calls' }),
        vllmUsage(180, 19, 0),
        '[DONE]',
      ),
      body: {
        id: 'chatcmpl-2e8a',
        object: 'chat.completion',
        created: 1764806400,
        model: VLLM_MODEL,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', reasoning_content: null, content: null, tool_calls: [{ id: 'chatcmpl-tool-5f1c', type: 'function', function: weatherCall }] },
            logprobs: null,
            finish_reason: 'tool_calls',
            stop_reason: null,
          },
        ],
        usage: { prompt_tokens: 180, total_tokens: 199, completion_tokens: 19, prompt_tokens_details: null },
        prompt_logprobs: null,
      },
    },
    expected: { text: '', finishReason: 'tool_calls', promptTokens: 180, completionTokens: 19, cachedTokens: 0, reasoningTokens: 0 },
  },
  {
    server: 'vllm',
    kind: 'reasoning',
    model: VLLM_MODEL,
    transcript: {
      stream: sseOf(
        vllmChunk({ delta: { role: 'assistant', content: '' } }),
        vllmChunk({ delta: { reasoning_content: 'The user greets me' } }),
        vllmChunk({ delta: { reasoning_content: '; answer briefly.' } }),
        vllmChunk({ delta: { content: 'Hello!' } }),
        vllmChunk({ delta: { content: '' }, finish_reason: 'stop' }),
        {
          ...vllmUsage(12, 9, 0),
          usage: { prompt_tokens: 12, total_tokens: 21, completion_tokens: 9, completion_tokens_details: { reasoning_tokens: 7 } },
        },
        '[DONE]',
      ),
    },
    expected: { text: 'Hello!', finishReason: 'stop', promptTokens: 12, completionTokens: 9, cachedTokens: 0, reasoningTokens: 7 },
  },
  {
    server: 'vllm',
    kind: 'error',
    model: VLLM_MODEL,
    transcript: {
      stream: sseOf(
        vllmChunk({ delta: { role: 'assistant', content: '' } }),
        vllmChunk({ delta: { content: 'Partial' } }),
        { error: { message: 'The engine is dead: EngineDeadError', type: 'InternalServerError', param: null, code: 500 } },
        '[DONE]',
      ),
    },
    expected: { text: 'Partial', finishReason: null, promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
  },
  {
    server: 'tgi',
    kind: 'plain',
    model: TGI_MODEL,
    transcript: {
      stream: sseOf(
        tgiChunk({ content: 'Deep' }),
        tgiChunk({ content: ' learning' }),
        tgiChunk({ content: '' }, 'stop'),
        { ...tgiChunk({ content: '' }), choices: [], usage: { prompt_tokens: 15, completion_tokens: 2, total_tokens: 17 } },
        '[DONE]',
      ),
    },
    expected: { text: 'Deep learning', finishReason: 'stop', promptTokens: 15, completionTokens: 2, cachedTokens: 0, reasoningTokens: 0 },
  },
  {
    server: 'tgi',
    kind: 'tool-call',
    model: TGI_MODEL,
    transcript: {
      stream: sseOf(
        tgiChunk({ tool_calls: [{ index: 0, id: '', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        tgiChunk({ tool_calls: [{ index: 0, id: '', type: 'function', function: { name: null, arguments: '{"city": "Paris"}' } }] }),
        tgiChunk({}, 'tool_calls'),
        { ...tgiChunk({}), choices: [], usage: { prompt_tokens: 210, completion_tokens: 23, total_tokens: 233 } },
        '[DONE]',
      ),
    },
    expected: { text: '', finishReason: 'tool_calls', promptTokens: 210, completionTokens: 23, cachedTokens: 0, reasoningTokens: 0 },
  },
  {
    server: 'tgi',
    kind: 'error',
    model: TGI_MODEL,
    transcript: {
      stream: sseOf(tgiChunk({ content: 'Hi' }), { error: 'Request failed during generation: Server error: CUDA out of memory', error_type: 'generation' }),
    },
    expected: { text: 'Hi', finishReason: null, promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
  },
  {
    server: 'llama.cpp',
    kind: 'plain',
    model: LLAMACPP_MODEL,
    transcript: {
      stream: sseOf(
        llamaChunk({ role: 'assistant', content: null }),
        llamaChunk({ content: 'Salut' }),
        llamaChunk({ content: ' !' }),
        llamaChunk({}, 'stop', {
          usage: { completion_tokens: 2, prompt_tokens: 31, total_tokens: 33, prompt_tokens_details: { cached_tokens: 30 } },
          timings: { cache_n: 30, prompt_n: 1, prompt_ms: 12.3, predicted_n: 2, predicted_ms: 40.1 },
        }),
        '[DONE]',
      ),
    },
    expected: { text: 'Salut !', finishReason: 'stop', promptTokens: 31, completionTokens: 2, cachedTokens: 30, reasoningTokens: 0 },
  },
  {
    server: 'llama.cpp',
    kind: 'reasoning',
    model: LLAMACPP_MODEL,
    transcript: {
      stream: sseOf(
        llamaChunk({ role: 'assistant', content: null }),
        llamaChunk({ reasoning_content: 'Two plus two' }),
        llamaChunk({ content: '4' }),
        llamaChunk({}, 'stop', { usage: { completion_tokens: 6, prompt_tokens: 20, total_tokens: 26 } }),
        '[DONE]',
      ),
    },
    expected: { text: '4', finishReason: 'stop', promptTokens: 20, completionTokens: 6, cachedTokens: 0, reasoningTokens: 0 },
  },
  {
    server: 'llama.cpp',
    kind: 'error',
    model: LLAMACPP_MODEL,
    transcript: {
      stream: sseOf(llamaChunk({ role: 'assistant', content: null }), { raw: 'error: {"code":500,"message":"failed to decode the batch: KV cache is full","type":"server_error"}' }),
    },
    expected: { text: '', finishReason: null, promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
  },
  {
    server: 'ollama',
    kind: 'tool-call',
    model: OLLAMA_MODEL,
    transcript: {
      stream: sseOf(
        ollamaChunk({ content: '', tool_calls: [{ id: 'call_k3x9', index: 0, type: 'function', function: weatherCall }] }),
        ollamaChunk({ content: '' }, 'tool_calls'),
        { ...ollamaChunk({ content: '' }), choices: [], usage: { prompt_tokens: 150, completion_tokens: 21, total_tokens: 171 } },
        '[DONE]',
      ),
    },
    expected: { text: '', finishReason: 'tool_calls', promptTokens: 150, completionTokens: 21, cachedTokens: 0, reasoningTokens: 0 },
  },
  {
    server: 'ollama',
    kind: 'reasoning',
    model: OLLAMA_MODEL,
    transcript: {
      stream: sseOf(
        ollamaChunk({ content: '', reasoning: 'Okay, the user' }),
        ollamaChunk({ content: '', reasoning: ' wants a haiku.' }),
        ollamaChunk({ content: 'Autumn moonlight' }),
        ollamaChunk({ content: '' }, 'stop'),
        { ...ollamaChunk({ content: '' }), choices: [], usage: { prompt_tokens: 14, completion_tokens: 30, total_tokens: 44 } },
        '[DONE]',
      ),
    },
    expected: { text: 'Autumn moonlight', finishReason: 'stop', promptTokens: 14, completionTokens: 30, cachedTokens: 0, reasoningTokens: 0 },
  },
  {
    server: 'ollama',
    kind: 'error',
    model: OLLAMA_MODEL,
    transcript: {
      stream: sseOf(ollamaChunk({ content: 'The' }), { error: { message: 'model runner has unexpectedly stopped', type: 'api_error', param: null, code: null } }),
    },
    expected: { text: 'The', finishReason: null, promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
  },
];
