/** Stable codes of the quality service's errors; the exception filter maps them to HTTP. */
export type QualityErrorCode =
  | 'INVALID_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'REQUEST_NOT_FOUND'
  | 'NOT_FOUND'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'STORE_UNAVAILABLE'
  | 'INTERNAL';

/** A domain error with a stable code and a message safe to show (no values from other users, no keys). */
export class QualityError extends Error {
  constructor(
    readonly code: QualityErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'QualityError';
  }
}
