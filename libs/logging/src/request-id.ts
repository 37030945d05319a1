import { randomUUID } from 'node:crypto';

const CALLER_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The id that keys a request everywhere (logs, span, queue event, feedback): the caller's
 * `x-request-id` when it is safe to echo and to use as a Redis key part, else a new UUID.
 */
export function resolveRequestId(header: string | string[] | undefined): string {
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && CALLER_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}
