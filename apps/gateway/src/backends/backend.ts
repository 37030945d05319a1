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

export type BackendEvent =
  | { type: 'token'; text: string }
  | { type: 'end'; finishReason: string; usage: TokenUsage | undefined };

/** A model server behind one interface: the embedded simulator or any OpenAI-compatible upstream. */
export interface GenerationBackend {
  /**
   * Streams the answer. Ends with exactly one `end` event, or throws a BackendError. Aborting
   * the signal must stop the work and release the upstream connection at once.
   */
  stream(request: GenerationRequest, signal: AbortSignal): AsyncIterable<BackendEvent>;
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
