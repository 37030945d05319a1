import type { GenerationEndpoint } from '@tokenscope/queue-contracts';
import type { ServedModel } from '../config/model-catalog.js';

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string;
  name?: string;
}

export type GenerationInput = { kind: 'prompt'; prompt: string } | { kind: 'chat'; messages: ChatMessage[] };

/** A validated generation request, whichever API it came through. */
export interface GenerationRequest {
  requestId: string;
  endpoint: GenerationEndpoint;
  model: ServedModel;
  input: GenerationInput;
  maxTokens: number;
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
  /** OpenAI extras passed through untouched to openai-compatible upstreams (tools, response_format…). */
  passthrough: Record<string, unknown>;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
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

/** A model server behind one interface: the embedded simulator or any OpenAI-compatible upstream. */
export interface GenerationBackend {
  /**
   * Generates the answer, pushing tokens into the sink as they arrive (no async iterator, no
   * promise per token on the relay path), and resolves when it ends, or rejects with a
   * BackendError. Aborting the signal must stop the work and release the upstream at once.
   */
  generate(request: GenerationRequest, signal: AbortSignal, sink: TokenSink): Promise<BackendResult>;
  /** undefined when the backend can serve, else why not (for /readyz). */
  readinessProblem(): Promise<string | undefined>;
}

export type BackendErrorCode =
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_STREAM_CUT'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_REJECTED';

/** A backend failure with a stable code; the message is safe to show to the client. */
export class BackendError extends Error {
  constructor(
    readonly code: BackendErrorCode,
    message: string,
    readonly details: { upstreamStatus?: number; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'BackendError';
  }
}
