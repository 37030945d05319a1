import type { RequestEntry } from '@tokenscope/console-contract';
import type { GenerationCompleted } from '@tokenscope/queue-contracts';
import type { QualityVerdict } from '../detectors/detector-suite.js';

/** Output kept with a request for the console (only when LOG_PROMPTS allows): enough to read, small enough to keep 10,000. */
export const ENTRY_OUTPUT_LIMIT_CHARS = 2_000;

/** The event's facts and the detectors' verdict (which counts only for a success: nothing else is reviewed), as the console keeps them. */
export function entryOf(event: GenerationCompleted, verdict: QualityVerdict, options: { isContentKept: boolean }): RequestEntry {
  const isReviewed = event.status === 'success';
  const entry: RequestEntry = {
    id: event.publicId,
    gatewayRequestId: event.requestId,
    model: event.model,
    user: event.userId,
    endpoint: event.endpoint,
    status: event.status,
    httpStatus: event.httpStatus,
    errorCode: event.errorCode,
    finishReason: event.finishReason,
    startedAtMs: event.startedAtMs,
    finishedAtMs: event.finishedAtMs,
    ttftMs: event.ttftMs,
    latencyMs: event.latencyMs,
    promptTokens: event.promptTokens,
    completionTokens: event.completionTokens,
    isUsageEstimated: event.isUsageEstimated,
    costUsd: event.costUsd,
    costBasis: event.costBasis,
    isRefusal: isReviewed ? verdict.isRefusal : null,
    grounding: isReviewed ? verdict.grounding : null,
    traceId: traceIdOf(event.trace?.traceparent),
  };
  if (options.isContentKept) entry.output = event.output.slice(0, ENTRY_OUTPUT_LIMIT_CHARS);
  return entry;
}

/** The trace id of a W3C traceparent (`00-<32 hex>-<16 hex>-<2 hex>`); null when absent, malformed or all zeros. */
export function traceIdOf(traceparent: string | undefined): string | null {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent ?? '');
  if (!match || /^0+$/.test(match[1]!)) return null;
  return match[1]!;
}
