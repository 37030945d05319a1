import type { RequestEntry } from '@tokenscope/console-contract';

/** A console entry of a successful sim-fast request by alice that ended at `finishedAtMs`, with the fields a test cares about. */
export function requestEntry(overrides: Partial<RequestEntry> & { finishedAtMs: number }): RequestEntry {
  return {
    id: 'r',
    gatewayRequestId: 'gw-r',
    model: 'sim-fast',
    user: 'alice',
    endpoint: 'generate',
    status: 'success',
    httpStatus: 200,
    errorCode: null,
    finishReason: 'stop',
    startedAtMs: overrides.finishedAtMs - 500,
    ttftMs: 100,
    latencyMs: 500,
    promptTokens: 10,
    completionTokens: 20,
    isUsageEstimated: false,
    costUsd: 0.001,
    costBasis: 'tokens',
    isRefusal: false,
    grounding: 'not_checked',
    traceId: null,
    ...overrides,
  };
}
