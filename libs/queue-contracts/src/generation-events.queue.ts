import { z } from 'zod';
import { traceCarrier } from './trace-carrier.js';

/** Wire name: renaming it strands queued jobs, so treat a change as a migration. */
export const GENERATION_EVENTS = 'generation-events';

/** Job name of a finished generation request, whatever its outcome. */
export const GENERATION_COMPLETED = 'generation.completed';

/** Output and context kept in an event are cut to this many characters to bound Redis memory. */
export const EVENT_TEXT_LIMIT_CHARS = 32_768;

export const requestStatus = z.enum(['success', 'error', 'cancelled', 'rejected']);
/** `success`; `error` = server or upstream fault; `cancelled` = client went away; `rejected` = 4xx. */
export type RequestStatus = z.infer<typeof requestStatus>;

export const generationEndpoint = z.enum(['generate', 'chat.completions', 'completions', 'embeddings']);
export type GenerationEndpoint = z.infer<typeof generationEndpoint>;

/** One finished generation request. Times are epoch milliseconds, durations milliseconds. */
export const generationCompleted = z
  .object({
    v: z.literal(1),
    requestId: z.string().min(1).max(128),
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
    /** The generated text (cut to EVENT_TEXT_LIMIT_CHARS), read by the quality detectors. */
    output: z.string().max(EVENT_TEXT_LIMIT_CHARS),
    /** Grounding documents the request supplied, for the groundedness check. */
    context: z.array(z.string().max(EVENT_TEXT_LIMIT_CHARS)).max(64).nullable(),
    trace: traceCarrier,
  })
  .strict();

export type GenerationCompleted = z.infer<typeof generationCompleted>;

export const generationEventsJobs = {
  [GENERATION_COMPLETED]: generationCompleted,
} as const;
