/**
 * The gateway writes a small record of each finished request before the response ends, so that
 * feedback sent the instant a response arrives finds its request even while the queue is behind.
 */
export const REQUEST_RECORD_TTL_SECONDS = 7 * 86_400;

export function requestRecordKey(prefix: string, requestId: string): string {
  return `${prefix}:request:${requestId}`;
}

/** Fields of the request record hash (all strings on the wire). */
export interface RequestRecord {
  userId: string;
  model: string;
  status: string;
  finishedAtMs: string;
}
