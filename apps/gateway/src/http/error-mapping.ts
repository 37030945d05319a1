import type { RequestStatus } from '@tokenscope/queue-contracts';
import type { GenerationErrorCode } from '../generation/generation.errors.js';

export interface ErrorMapping {
  httpStatus: number;
  /** OpenAI's error `type`. */
  type: string;
  /** How llm_requests_total counts it. */
  requestStatus: RequestStatus;
}

/**
 * The API's error table (docs/architecture.md, Errors). Upstream rate limiting stays a 429 for the client (so it backs off)
 * but counts as `error`: the fault is on the serving side, not in the request.
 */
export const ERROR_MAPPINGS: Record<GenerationErrorCode, ErrorMapping> = {
  INVALID_REQUEST: { httpStatus: 400, type: 'invalid_request_error', requestStatus: 'rejected' },
  UPSTREAM_REJECTED: { httpStatus: 400, type: 'invalid_request_error', requestStatus: 'rejected' },
  UNAUTHORIZED: { httpStatus: 401, type: 'authentication_error', requestStatus: 'rejected' },
  FORBIDDEN: { httpStatus: 403, type: 'permission_error', requestStatus: 'rejected' },
  MODEL_NOT_FOUND: { httpStatus: 404, type: 'invalid_request_error', requestStatus: 'rejected' },
  NOT_FOUND: { httpStatus: 404, type: 'invalid_request_error', requestStatus: 'rejected' },
  BODY_TOO_LARGE: { httpStatus: 413, type: 'invalid_request_error', requestStatus: 'rejected' },
  UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, type: 'invalid_request_error', requestStatus: 'rejected' },
  BUDGET_EXCEEDED: { httpStatus: 429, type: 'insufficient_quota', requestStatus: 'rejected' },
  OVERLOADED: { httpStatus: 429, type: 'rate_limit_error', requestStatus: 'rejected' },
  // OpenAI's `type` for its own per-minute limits
  RATE_LIMITED_REQUESTS: { httpStatus: 429, type: 'requests', requestStatus: 'rejected' },
  RATE_LIMITED_TOKENS: { httpStatus: 429, type: 'tokens', requestStatus: 'rejected' },
  UPSTREAM_RATE_LIMITED: { httpStatus: 429, type: 'rate_limit_error', requestStatus: 'error' },
  INTERNAL: { httpStatus: 500, type: 'server_error', requestStatus: 'error' },
  UPSTREAM_ERROR: { httpStatus: 502, type: 'server_error', requestStatus: 'error' },
  UPSTREAM_UNAVAILABLE: { httpStatus: 502, type: 'server_error', requestStatus: 'error' },
  UPSTREAM_STREAM_CUT: { httpStatus: 502, type: 'server_error', requestStatus: 'error' },
  UPSTREAM_STREAM_ERROR: { httpStatus: 502, type: 'server_error', requestStatus: 'error' },
  NOT_READY: { httpStatus: 503, type: 'server_error', requestStatus: 'error' },
  BUDGET_UNAVAILABLE: { httpStatus: 503, type: 'server_error', requestStatus: 'error' },
  RATE_LIMIT_UNAVAILABLE: { httpStatus: 503, type: 'server_error', requestStatus: 'error' },
  UPSTREAM_TIMEOUT: { httpStatus: 504, type: 'timeout_error', requestStatus: 'error' },
};

/** The OpenAI error body: `{error: {message, type, code, param}}`. */
export function openAiErrorBody(code: GenerationErrorCode, message: string, param?: string): string {
  return JSON.stringify({ error: { message, type: ERROR_MAPPINGS[code].type, code, param: param ?? null } });
}
