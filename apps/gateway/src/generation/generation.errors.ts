import type { BackendErrorCode } from '../backends/backend.js';

export type GenerationErrorCode =
  | 'INVALID_REQUEST'
  | 'MODEL_NOT_FOUND'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'BUDGET_EXCEEDED'
  | 'OVERLOADED'
  | 'RATE_LIMITED_REQUESTS'
  | 'RATE_LIMITED_TOKENS'
  | 'RATE_LIMIT_UNAVAILABLE'
  | 'NOT_READY'
  | 'BUDGET_UNAVAILABLE'
  | 'INTERNAL'
  | BackendErrorCode;

/** A failure with a stable code and a message safe to show; HTTP knows nothing of it (see http/error-mapping.ts). */
export class GenerationError extends Error {
  constructor(
    readonly code: GenerationErrorCode,
    message: string,
    readonly details: {
      param?: string;
      retryAfterSeconds?: number;
      upstreamStatus?: number;
      /** More response headers the refusal carries (the x-ratelimit-* of a rate limit). */
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = 'GenerationError';
  }
}

/** The client closed the connection before the answer ended. */
export class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientGoneError';
  }
}
