import type { RequestCost } from '@tokenscope/cost';
import type { GenerationEndpoint, RequestStatus, TraceCarrier } from '@tokenscope/queue-contracts';
import type { GenerationInput } from '../backends/backend.js';

/** The ids of one request. */
export interface RequestIds {
  /** The id the client sees (`x-request-id`, the body's id) and votes with: the caller's when it was free, else requestId. */
  publicId: string;
  /** The gateway's own id, never from the caller: keys the event, its job and the ledger's once-only guard. */
  requestId: string;
  /** The caller's `x-request-id` (when safe), a correlation id only. */
  clientRequestId: string | undefined;
}

/** Facts about one finished generation request; the recorder turns them into metrics, a log line and an event. */
export interface GenerationOutcome {
  /** The id the client sees (RequestIds.publicId). */
  requestId: string;
  /** All of the request's ids, when the caller knows them; else those the request started with (requestStarted). */
  ids?: RequestIds;
  endpoint: GenerationEndpoint;
  /** A configured model name, or `unknown` when the request named none we serve. */
  model: string;
  userId: string;
  status: RequestStatus;
  httpStatus: number;
  errorCode: string | null;
  finishReason: string | null;
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens the upstream served from its cache (part of promptTokens). */
  cachedPromptTokens: number;
  /** Completion tokens spent reasoning (part of completionTokens). */
  reasoningTokens: number;
  isUsageEstimated: boolean;
  cost: RequestCost;
  ttftMs: number | undefined;
  /** The backend's own time to first token (backend call to first token received); ttftMs minus this is the gateway's share. */
  upstreamTtftMs: number | undefined;
  latencyMs: number;
  startedAtMs: number;
  output: string;
  context: string[] | undefined;
  trace: TraceCarrier;
  traceId: string | undefined;
  isStreaming: boolean;
  /** The request's input, for content capture on the span (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT); unset when it was never parsed. */
  input?: GenerationInput;
}
