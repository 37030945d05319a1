import { redisKeyspace } from './keyspace.keys.js';
/**
 * The gateway writes a small record of each finished request before the response ends, so that
 * feedback sent the instant a response arrives finds its request even while the queue is behind.
 */
/**
 * Default lifetime of a request record, which is how long a request can still be voted on
 * (the gateway's REQUEST_RECORD_TTL_SECONDS). Each record is ~200 bytes of Redis memory: a day
 * at a sustained 100 requests/s is ~1.7 GB, so size it to the feedback window you need.
 */
export const REQUEST_RECORD_TTL_SECONDS = 86_400;

export function requestRecordKey(prefix: string, requestId: string): string {
  return `${redisKeyspace(prefix)}:request:${requestId}`;
}

/** Fields of the request record hash (all strings on the wire). */
export interface RequestRecord {
  userId: string;
  model: string;
  status: string;
  finishedAtMs: string;
  /** W3C traceparent of the generation's span, so that a vote's evaluation event joins its trace. */
  traceparent?: string;
}
