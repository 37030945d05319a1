import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { bodyReadErrorOf } from '@tokenscope/app-runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QualityError, type QualityErrorCode } from '../quality.errors.js';

const HTTP_STATUS: Record<QualityErrorCode, number> = {
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  REQUEST_NOT_FOUND: 404,
  NOT_FOUND: 404,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  STORE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** Fastify's own errors (raised before a handler runs) as stable codes naming what was wrong. */
function fromFastifyError(error: { code?: string; statusCode?: number }): QualityError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new QualityError('BODY_TOO_LARGE', 'body: larger than the accepted limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new QualityError('UNSUPPORTED_MEDIA_TYPE', 'content-type: send application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new QualityError('INVALID_REQUEST', 'body: empty, expected a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new QualityError('INVALID_REQUEST', 'body: not valid JSON');
    default:
  }
  if (error instanceof SyntaxError) return new QualityError('INVALID_REQUEST', 'body: not valid JSON');
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new QualityError('INVALID_REQUEST', 'body: the request could not be read');
  return undefined;
}

function fromHttpException(error: HttpException): QualityError {
  // Nest hands Fastify's body errors over as HttpExceptions: translate them by status, in our words
  switch (error.getStatus()) {
    case 400:
      return new QualityError('INVALID_REQUEST', /json/i.test(error.message) ? 'body: not valid JSON' : 'body: the request could not be read');
    case 401:
      return new QualityError('UNAUTHORIZED', error.message);
    case 403:
      return new QualityError('FORBIDDEN', error.message);
    case 404:
      return new QualityError('NOT_FOUND', 'url: no such route');
    case 413:
      return new QualityError('BODY_TOO_LARGE', 'body: larger than the accepted limit');
    case 415:
      return new QualityError('UNSUPPORTED_MEDIA_TYPE', 'content-type: send application/json');
    default:
      return error.getStatus() >= 500 ? new QualityError('INTERNAL', 'internal error') : new QualityError('INVALID_REQUEST', 'the request could not be read');
  }
}

/**
 * Every error the quality service answers, as `{code, message, requestId}` (the house error shape). Unknown
 * errors become a plain 500 and are logged here, once, with their cause; nothing else leaks.
 */
@Catch()
export class QualityExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const bodyError = bodyReadErrorOf(error);
    const failure =
      error instanceof QualityError
        ? error
        : bodyError
          ? new QualityError(bodyError.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_REQUEST', bodyError.message)
          : error instanceof HttpException
          ? fromHttpException(error)
          : (fromFastifyError(error as { code?: string; statusCode?: number }) ?? new QualityError('INTERNAL', 'internal error'));
    if (failure.code === 'INTERNAL') this.logger.error({ err: error, request_id: request.id }, 'unhandled error');
    if (failure.code === 'STORE_UNAVAILABLE') this.logger.warn({ err: (failure.cause as Error | undefined)?.message, request_id: request.id }, 'redis unavailable');
    void reply
      .status(HTTP_STATUS[failure.code])
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ code: failure.code, message: failure.message, requestId: request.id }));
  }
}
