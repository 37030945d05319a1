import { randomUUID } from 'node:crypto';

const CALLER_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The caller's `x-request-id` when it is safe to echo and to use as a Redis key part, else
 * undefined. It is a correlation id chosen by the caller: never unique, never an identity.
 */
export function callerRequestId(header: string | string[] | undefined): string | undefined {
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && CALLER_REQUEST_ID.test(candidate) ? candidate : undefined;
}

/** The caller's `x-request-id` when it is safe (see callerRequestId), else a new UUID. */
export function resolveRequestId(header: string | string[] | undefined): string {
  return callerRequestId(header) ?? randomUUID();
}
