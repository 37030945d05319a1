import type { GenerationEndpoint } from '@tokenscope/queue-contracts';
import type { ServedModel } from '../config/model-catalog.js';

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string;
  name?: string;
}

export type GenerationInput =
  | { kind: 'prompt'; prompt: string }
  | { kind: 'chat'; messages: ChatMessage[] }
  /** /v1/embeddings: the texts to embed, and how many token ids were sent already tokenized. */
  | { kind: 'embedding'; texts: string[]; tokenIdCount: number };

/** A validated generation request, whichever API it came through. */
export interface GenerationRequest {
  requestId: string;
  endpoint: GenerationEndpoint;
  model: ServedModel;
  input: GenerationInput;
  maxTokens: number;
  /**
   * The most completion tokens the request can be billed for, what a budget reservation counts:
   * maxTokens × n, or — relayed without max_tokens, where the upstream's own default applies —
   * the model's max_tokens limit × n.
   */
  outputTokensBound: number;
  temperature: number;
  topP: number | undefined;
  seed: number | undefined;
  stop: string[] | undefined;
  /** Grounding documents (tokenscope extension), checked later by the quality service. */
  context: string[] | undefined;
  userId: string;
  isStreaming: boolean;
  /** chat/completions and completions: the client asked for a final usage chunk. */
  includeUsage: boolean;
  /** Prompt tokens counted by the gateway, when the backend needs them before it starts (simulator). */
  promptTokens: number | undefined;
  /**
   * chat/completions and completions: the body exactly as the client sent it. An OpenAI-compatible
   * upstream receives it unchanged but for the model name and what the gateway documents (usage in
   * streams, no `context`), so tools, response_format, logprobs and vendor extras all reach it.
   */
  relayBody: Readonly<Record<string, unknown>> | undefined;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the upstream's prompt cache (`prompt_tokens_details.cached_tokens`): part of promptTokens. */
  cachedPromptTokens?: number;
  /** Completion tokens spent reasoning (`completion_tokens_details.reasoning_tokens`): part of completionTokens. */
  reasoningTokens?: number;
}

/** How a backend hands tokens on as they arrive. */
export interface TokenSink {
  /**
   * One token (or a piece of text) of the answer. A returned promise means the client cannot take
   * more yet: the backend waits for it before reading further (backpressure).
   */
  token(text: string): Promise<void> | undefined;
}

/** How the answer ended: the finish reason, and the usage when the backend reported it. */
export interface BackendResult {
  finishReason: string;
  usage: TokenUsage | undefined;
}

/** How a relaying backend hands on the upstream's own events, unchanged, as they arrive. */
export interface RelaySink {
  /**
   * Whole upstream events in wire form (`data: …\n\n`), the upstream's own bytes wherever the
   * gateway changes nothing. `hasToken`: they carry something the client sees as a token (content,
   * reasoning, a tool call, a refusal); `text`: their answer text, for accounting. A returned
   * promise means the client cannot take more yet (backpressure).
   */
  forward(events: Buffer | string, hasToken: boolean, text: string): Promise<void> | undefined;
}

/** A relayed answer: the BackendResult, plus the upstream's own body when the client did not stream. */
export interface RelayResult extends BackendResult {
  /** The non-streamed answer exactly as the client gets it (only `model` renamed where it differs). */
  body: string | undefined;
  /**
   * The non-streamed answer's text (first choice), for accounting and the quality checks; empty
   * for a stream, whose text went to the sink event by event.
   */
  output: string;
}

/** An embeddings answer: the body as the client gets it, and the usage it reports. */
export interface EmbeddingResult {
  body: string;
  usage: TokenUsage | undefined;
}

/** A model server behind one interface: the embedded simulator or any OpenAI-compatible upstream. */
export interface GenerationBackend {
  /**
   * Generates the answer, pushing tokens into the sink as they arrive (no async iterator, no
   * promise per token on the relay path), and resolves when it ends, or rejects with a
   * BackendError. Aborting the signal must stop the work and release the upstream at once.
   */
  generate(request: GenerationRequest, signal: AbortSignal, sink: TokenSink): Promise<BackendResult>;
  /**
   * Relays an OpenAI-API request to an OpenAI-compatible upstream and its answer back as the
   * upstream sent it (transparent relay). Backends that render answers themselves (the
   * simulator) have none, and the gateway renders their tokens instead.
   */
  relay?(request: GenerationRequest, signal: AbortSignal, sink: RelaySink): Promise<RelayResult>;
  /** /v1/embeddings: one JSON answer in OpenAI's shape. */
  embed(request: GenerationRequest, signal: AbortSignal): Promise<EmbeddingResult>;
  /** undefined when the backend can serve, else why not (for /readyz). */
  readinessProblem(): Promise<string | undefined>;
}

export type BackendErrorCode =
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_STREAM_CUT'
  | 'UPSTREAM_STREAM_ERROR'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_REJECTED';

/** A backend failure with a stable code; the message is safe to show to the client. */
export class BackendError extends Error {
  constructor(
    readonly code: BackendErrorCode,
    message: string,
    readonly details: {
      upstreamStatus?: number;
      retryAfterSeconds?: number;
      /** An upstream's 4xx answer to the client's own request, relayed as it is (our credentials redacted). */
      upstreamBody?: string;
    } = {},
  ) {
    super(message);
    this.name = 'BackendError';
  }
}
