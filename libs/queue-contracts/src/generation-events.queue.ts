import { z } from 'zod';
import { traceCarrier } from './trace-carrier.js';

/** Wire name: renaming it strands queued jobs, so treat a change as a migration. */
export const GENERATION_EVENTS = 'generation-events';

/** Job name of a finished generation request, whatever its outcome. */
export const GENERATION_COMPLETED = 'generation.completed';

/** The longest `output` and context document an event may carry, in characters (v1 bound, kept). */
export const EVENT_TEXT_LIMIT_CHARS = 32_768;

/** UTF-8 bytes of the generated text an event carries: the rest is cut (see boundEventText). */
export const EVENT_OUTPUT_LIMIT_BYTES = 32_768;

/** UTF-8 bytes of all context documents of one event together (see boundEventContext). */
export const EVENT_CONTEXT_LIMIT_BYTES = 65_536;

/** UTF-8 bytes of the question an event carries (see boundEventQuestion). */
export const EVENT_QUESTION_LIMIT_BYTES = 4_096;

/** Context documents an event carries at most (the API's limit). */
export const EVENT_CONTEXT_DOCUMENTS_LIMIT = 64;

export const requestStatus = z.enum(['success', 'error', 'cancelled', 'rejected']);
/** `success`; `error` = server or upstream fault; `cancelled` = client went away; `rejected` = 4xx. */
export type RequestStatus = z.infer<typeof requestStatus>;

export const generationEndpoint = z.enum(['generate', 'chat.completions', 'completions', 'embeddings']);
export type GenerationEndpoint = z.infer<typeof generationEndpoint>;

const eventFields = {
  model: z.string().min(1).max(128),
  userId: z.string().min(1).max(256),
  endpoint: generationEndpoint,
  status: requestStatus,
  /** Stable domain error code when status is not success (e.g. UPSTREAM_TIMEOUT). */
  errorCode: z.string().max(64).nullable(),
  httpStatus: z.number().int().min(100).max(599),
  finishReason: z.string().max(32).nullable(),
  promptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  /** True when the backend reported no usage and the gateway counted tokens itself. */
  isUsageEstimated: z.boolean(),
  costUsd: z.number().min(0),
  costBasis: z.enum(['tokens', 'gpu_time', 'unpriced']),
  ttftMs: z.number().min(0).nullable(),
  tpotMs: z.number().min(0).nullable(),
  latencyMs: z.number().min(0),
  startedAtMs: z.number().int().min(0),
  finishedAtMs: z.number().int().min(0),
  /** The generated text (at most EVENT_OUTPUT_LIMIT_BYTES of it), read by the quality detectors. */
  output: z.string().max(EVENT_TEXT_LIMIT_CHARS),
  trace: traceCarrier,
};

/**
 * Version 1, as gateways before December 2026 publish it: `requestId` was the caller's
 * `x-request-id` when it had one, so it is both the once-only key and the id votes name.
 * Still accepted by the consumer, so events queued by an older gateway are counted.
 */
export const generationCompletedV1 = z
  .object({
    v: z.literal(1),
    requestId: z.string().min(1).max(128),
    ...eventFields,
    context: z.array(z.string().max(EVENT_TEXT_LIMIT_CHARS)).max(EVENT_CONTEXT_DOCUMENTS_LIMIT).nullable(),
  })
  .strict();

/** The fields version 2 added: the two ids and the bounded context. */
const v2Fields = {
  /** The gateway's own id of the request, never chosen by the caller: the job id and the once-only key. */
  requestId: z.string().min(1).max(128),
  /**
   * The id the client was given in `x-request-id` (the caller's own when it was free, else
   * requestId): the request record, votes and the quality window are keyed by it.
   */
  publicId: z.string().min(1).max(128),
  ...eventFields,
  /**
   * Grounding documents the request supplied, for the groundedness check, at most
   * EVENT_CONTEXT_LIMIT_BYTES in all: verbatim when they fit, else reduced (isContextReduced).
   */
  context: z.array(z.string().max(EVENT_CONTEXT_LIMIT_BYTES)).max(EVENT_CONTEXT_DOCUMENTS_LIMIT).nullable(),
  /** True when the context did not fit and each document was reduced to its distinct words (then cut). */
  isContextReduced: z.boolean(),
};

/**
 * Version 2, as gateways published it until the question joined the event (December 2026).
 * Still accepted by the consumer; read as version 3 without a question.
 */
export const generationCompletedV2 = z.object({ v: z.literal(2), ...v2Fields }).strict();

/**
 * One finished generation request (version 3). Times are epoch milliseconds, durations
 * milliseconds. An older consumer refuses it as invalid (it knows only v 1 and 2) rather than
 * misreading it: upgrade the quality service before the gateways.
 */
export const generationCompleted = z
  .object({
    v: z.literal(3),
    ...v2Fields,
    /**
     * What the answer answers, for the groundedness check (an answer's words may come from the
     * question as well as from the context): the last user message of a chat, or the prompt, at most
     * EVENT_QUESTION_LIMIT_BYTES of it (the end kept). Only when the request carried a context: no
     * other reader needs it, and a prompt is not carried anywhere it is not needed.
     */
    question: z.string().max(EVENT_QUESTION_LIMIT_BYTES).nullable(),
  })
  .strict();

export type GenerationCompleted = z.infer<typeof generationCompleted>;

export type GenerationCompletedV1 = z.infer<typeof generationCompletedV1>;

export type GenerationCompletedV2 = z.infer<typeof generationCompletedV2>;

/** What a consumer accepts: the current version and the two before it (queued by older gateways). */
export const anyGenerationCompleted = z.discriminatedUnion('v', [generationCompletedV1, generationCompletedV2, generationCompleted]);

/**
 * An older event read as the current version: a v1 event's request id was both keys and its
 * context was never reduced; neither v1 nor v2 carried the question.
 */
export function currentGenerationEvent(event: GenerationCompletedV1 | GenerationCompletedV2 | GenerationCompleted): GenerationCompleted {
  if (event.v === 3) return event;
  if (event.v === 2) return { ...event, v: 3, question: null };
  return { ...event, v: 3, publicId: event.requestId, isContextReduced: false, question: null };
}

export const generationEventsJobs = {
  [GENERATION_COMPLETED]: anyGenerationCompleted,
} as const;
