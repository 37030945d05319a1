import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { bodyReadErrorOf } from '@tokenscope/app-runtime';
import type { GenerationEndpoint } from '@tokenscope/queue-contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GenerationError, type GenerationErrorCode } from '../generation/generation.errors.js';
import { GenerationService } from '../generation/generation.service.js';
import { ERROR_MAPPINGS, openAiErrorBody } from './error-mapping.js';
import { sendJson } from './sse-writer.js';

const GENERATION_PATHS: Record<string, GenerationEndpoint> = {
  '/v1/generate': 'generate',
  '/v1/chat/completions': 'chat.completions',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings',
};

/** Fastify's own errors (raised before a handler runs) as stable codes with a clear message. */
function fromFastifyError(error: { code?: string; statusCode?: number; message?: string }): GenerationError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GenerationError('BODY_TOO_LARGE', 'body: larger than the accepted limit', { param: 'body' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GenerationError('UNSUPPORTED_MEDIA_TYPE', 'content-type: send application/json', { param: 'content-type' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GenerationError('INVALID_REQUEST', 'body: empty, expected a JSON object', { param: 'body' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GenerationError('INVALID_REQUEST', 'content-length: does not match the body', { param: 'content-length' });
    default:
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    // Fastify reports prototype-poisoning keys with the same code as broken JSON
    return new GenerationError('INVALID_REQUEST', 'body: not valid JSON, or it holds a forbidden key (__proto__, constructor.prototype)', { param: 'body' });
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new GenerationError('INVALID_REQUEST', 'the request could not be read', { param: 'body' });
  }
  return undefined;
}

function fromHttpException(error: HttpException): GenerationError {
  // Nest wraps the errors Fastify raises while reading the body; the original is the cause
  const fastifyError = error.cause as { code?: string; statusCode?: number } | undefined;
  if (fastifyError?.code?.startsWith('FST_')) {
    const translated = fromFastifyError(fastifyError);
    if (translated) return translated;
  }
  const status = error.getStatus();
  const code: GenerationErrorCode = status === 404 ? 'NOT_FOUND' : status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : status >= 500 ? 'INTERNAL' : 'INVALID_REQUEST';
  if (status === 404) return new GenerationError(code, 'url: no such route', { param: 'url' });
  // 401/403 from outside the generation routes (the metrics token) are about the credentials
  return new GenerationError(code, error.message, status === 401 || status === 403 ? { param: 'authorization' } : {});
}

/**
 * Every error the gateway answers, in OpenAI's shape. On a generation route the request is
 * also counted and published as rejected, so that a body that never parsed still shows up.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  constructor(private readonly generation: GenerationService) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const bodyError = bodyReadErrorOf(error);
    const failure =
      error instanceof GenerationError
        ? error
        : bodyError
          ? new GenerationError(bodyError.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_REQUEST', bodyError.message, { param: bodyError.param })
          : error instanceof HttpException
          ? fromHttpException(error)
          : (fromFastifyError(error as { code?: string; statusCode?: number }) ?? new GenerationError('INTERNAL', 'internal error'));
    if (failure.code === 'INTERNAL') this.logger.error({ err: error }, 'unhandled error');

    const endpoint = request.method === 'POST' ? GENERATION_PATHS[request.url.split('?')[0] ?? ''] : undefined;
    if (endpoint) {
      this.generation.reject(endpoint, request.body, failure, request, reply);
      return;
    }
    if (!reply.sent) reply.hijack();
    const mapping = ERROR_MAPPINGS[failure.code];
    sendJson(reply.raw, mapping.httpStatus, openAiErrorBody(failure.code, failure.message, failure.details.param));
  }
}
