import type { TokenUsage } from '../backend.js';
import { plainChunkText } from './chunk-text.js';

/** What one upstream event means for the client and for accounting. */
export interface EventReading {
  /** `chunk`: relay it; `usage`: only the usage the gateway asked for; `done`: [DONE]; `error`: the upstream failed. */
  kind: 'chunk' | 'usage' | 'done' | 'error';
  /** It carries something the client sees as a token: content, reasoning, a tool call or a refusal. */
  hasToken: boolean;
  /** The first choice's answer text in it (content or completion text), for accounting. */
  text: string;
}

interface Delta {
  content?: unknown;
  reasoning_content?: unknown;
  reasoning?: unknown;
  refusal?: unknown;
  tool_calls?: unknown;
  function_call?: unknown;
}

interface ParsedChunk {
  choices?: Array<{ index?: number; delta?: Delta; text?: unknown; finish_reason?: unknown }> | null;
  usage?: UpstreamUsage | null;
  error?: unknown;
  error_type?: unknown;
  message?: unknown;
  object?: unknown;
}

/** OpenAI's usage object, with the details vLLM, llama.cpp and hosted APIs add. */
export interface UpstreamUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: unknown } | null;
}

const UPSTREAM_MESSAGE_LIMIT_CHARS = 300;

/**
 * Reads an OpenAI-compatible event stream for accounting, without changing it: which events carry
 * tokens, the finish reason, the usage (with cached and reasoning tokens), and errors reported
 * inside the stream in the shapes vLLM, TGI, llama.cpp and Ollama use. Ordinary content chunks
 * are read without JSON.parse (chunk-text.ts); anything else is parsed.
 */
export class StreamAccount {
  finishReason: string | null = null;
  usage: TokenUsage | undefined;
  isDone = false;
  /** The upstream's own words when it reported an error inside the stream. */
  errorMessage: string | undefined;

  constructor(
    private readonly textKey: '"content":"' | '"text":"',
    private readonly isChat: boolean,
    /** One choice per chunk (no `n` > 1): a content chunk can be read without parsing it. */
    private readonly isSingleChoice: boolean,
  ) {}

  read(payload: string): EventReading {
    if (payload === '[DONE]') {
      this.isDone = true;
      return { kind: 'done', hasToken: false, text: '' };
    }
    // a content chunk, the bulk of every stream (with several choices, only a full read tells which)
    if (this.isSingleChoice) {
      const text = plainChunkText(payload, this.textKey);
      // an empty content may sit beside reasoning (Ollama): only non-empty text skips the full read
      if (text) return { kind: 'chunk', hasToken: true, text };
    }
    let chunk: ParsedChunk;
    try {
      chunk = JSON.parse(payload) as ParsedChunk;
    } catch {
      // not JSON: relayed as it came (the client's parser decides), nothing to count
      return { kind: 'chunk', hasToken: false, text: '' };
    }
    if (chunk === null || typeof chunk !== 'object') return { kind: 'chunk', hasToken: false, text: '' };
    if (isErrorChunk(chunk)) {
      this.errorMessage = errorMessageOf(chunk);
      return { kind: 'error', hasToken: false, text: '' };
    }
    if (chunk.usage) this.usage = usageOf(chunk.usage) ?? this.usage;
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    if (choices.length === 0) return { kind: chunk.usage ? 'usage' : 'chunk', hasToken: false, text: '' };
    let hasToken = false;
    let text = '';
    for (const choice of choices) {
      // the first choice's finish reason, or any while the first has none (n > 1)
      if (typeof choice.finish_reason === 'string' && ((choice.index ?? 0) === 0 || this.finishReason === null)) this.finishReason = choice.finish_reason;
      const own = this.isChat ? deltaText(choice.delta) : typeof choice.text === 'string' ? choice.text : '';
      if ((choice.index ?? 0) === 0) text += own;
      hasToken ||= own.length > 0 || (this.isChat && hasOtherToken(choice.delta));
    }
    return { kind: 'chunk', hasToken, text };
  }

  /** Reads a non-streamed answer: finish reason, usage and the first choice's text. */
  readBody(body: ParsedBody): string {
    if (body.usage) this.usage = usageOf(body.usage);
    const first = Array.isArray(body.choices) ? body.choices[0] : undefined;
    if (typeof first?.finish_reason === 'string') this.finishReason = first.finish_reason;
    this.isDone = true;
    const content = this.isChat ? first?.message?.content : first?.text;
    return typeof content === 'string' ? content : '';
  }
}

export interface ParsedBody {
  model?: unknown;
  choices?: Array<{ message?: { content?: unknown }; text?: unknown; finish_reason?: unknown }>;
  usage?: UpstreamUsage | null;
}

function deltaText(delta: Delta | undefined): string {
  return typeof delta?.content === 'string' ? delta.content : '';
}

function hasOtherToken(delta: Delta | undefined): boolean {
  if (!delta) return false;
  return (
    isNonEmptyString(delta.reasoning_content) ||
    isNonEmptyString(delta.reasoning) ||
    isNonEmptyString(delta.refusal) ||
    // an array everywhere but in older TGI releases, which stream one tool call object
    (Array.isArray(delta.tool_calls) ? delta.tool_calls.length > 0 : delta.tool_calls !== undefined && delta.tool_calls !== null) ||
    (delta.function_call !== undefined && delta.function_call !== null)
  );
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

/**
 * vLLM and Ollama: `{"error": {message, type, code}}` (older vLLM: `{"object": "error", message}`);
 * TGI: `{"error": "text", "error_type": "…"}`; llama.cpp: an `error:` field holding `{code, message, type}`
 * (the decoder hands it over as `{"error": …}`).
 */
function isErrorChunk(chunk: ParsedChunk): boolean {
  if (chunk.object === 'error') return true;
  return chunk.error !== undefined && chunk.error !== null && !Array.isArray(chunk.choices);
}

function errorMessageOf(chunk: ParsedChunk): string {
  const error = chunk.error as { message?: unknown } | string | undefined;
  const raw = typeof error === 'string' ? error : typeof error?.message === 'string' ? error.message : chunk.message;
  return typeof raw === 'string' && raw.length > 0 ? raw.slice(0, UPSTREAM_MESSAGE_LIMIT_CHARS) : 'the upstream reported an error';
}

/** OpenAI's usage, with its details; undefined when it holds no completion count. */
export function usageOf(usage: UpstreamUsage): TokenUsage | undefined {
  if (typeof usage.completion_tokens !== 'number') return undefined;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return {
    promptTokens: typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : 0,
    completionTokens: usage.completion_tokens,
    ...(typeof cached === 'number' && cached > 0 ? { cachedPromptTokens: cached } : {}),
    ...(typeof reasoning === 'number' && reasoning > 0 ? { reasoningTokens: reasoning } : {}),
  };
}
