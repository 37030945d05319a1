import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { callerRequestId, resolveRequestId } from '@tokenscope/logging';
import { errorCodes, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { decodeJsonBody } from './json-body.js';

/**
 * A request refused before Nest sees it (so before any exception filter): malformed HTTP that
 * Node's parser rejects, a URL that cannot be decoded, a path parameter over the limit.
 */
export interface EdgeRefusal {
  status: number;
  code: 'INVALID_REQUEST' | 'HEADERS_TOO_LARGE' | 'URI_TOO_LONG' | 'REQUEST_TIMEOUT';
  /** Safe to show: names the part at fault, never quotes the request. */
  message: string;
  param: 'headers' | 'url' | 'body';
  requestId: string;
}

export interface AdapterOptions {
  bodyLimitBytes: number;
  /** Renders an EdgeRefusal in the app's error shape (default: the house shape `{code, message, requestId}`, CONTRIBUTING.md). */
  renderRefusal?: (refusal: EdgeRefusal) => string;
  /**
   * `caller` (default): the request id is the caller's `x-request-id` when it is safe, else a UUID.
   * `own`: the request id is always a fresh UUID, never from the caller (an app that keys state by
   * it: a caller could reuse an id); the caller's id stays in `request.clientRequestId` and is
   * what `x-request-id` echoes until the app sets another.
   */
  requestIds?: 'caller' | 'own';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's `x-request-id` when it is safe (requestIds `own` only; otherwise it is `id`). */
    clientRequestId: string | undefined;
    /** Bytes of the JSON body as received (0 without one): a bound on what it can cost in tokens. */
    bodyBytes: number;
  }
}

/**
 * Longest path parameter (a model name is up to 128 characters, a user id up to 256). Fastify's
 * default, 100, refused valid model names with a 414 before the route could name the field.
 */
const MAX_PARAM_LENGTH = 512;

/** The id an answer shows in `x-request-id`: the caller's when safe, else the request's own. */
export function shownRequestId(request: FastifyRequest): string {
  return request.clientRequestId ?? request.id;
}

/** The house error body (CONTRIBUTING.md, Errors); the quality service answers in this shape. */
export function renderStyleRefusal(refusal: EdgeRefusal): string {
  return JSON.stringify({ code: refusal.code, message: refusal.message, requestId: refusal.requestId });
}

/** Bodies from this size on are parsed a turn after they are decoded. */
const SPLIT_PARSE_BYTES = 64 * 1024;

/**
 * The Fastify adapter every app runs on: request ids validated before they are trusted and
 * echoed in `x-request-id` on every answer (streamed ones included), JSON bodies only (UTF-8,
 * bounded nesting), prototype-poisoning keys refused, and requests that fail before Nest
 * (malformed HTTP, bad URLs) answered in the app's error shape rather than Fastify's.
 */
export function createFastifyAdapter(options: AdapterOptions): FastifyAdapter {
  const render = options.renderRefusal ?? renderStyleRefusal;
  const isOwnIds = options.requestIds === 'own';
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes,
    // Fastify would take the header verbatim; genReqId validates it instead
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => (isOwnIds ? randomUUID() : resolveRequestId(req.headers['x-request-id'])),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Fastify's own answers here quote the caller's URL back and use its own body shape
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      // these can fail before the onRequest hooks have run
      if (isOwnIds) request.clientRequestId = callerRequestId(request.headers['x-request-id']);
      const isTooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const refusal: EdgeRefusal = isTooLong
        ? { status: 414, code: 'URI_TOO_LONG', message: `url: a path segment is longer than ${MAX_PARAM_LENGTH} characters`, param: 'url', requestId: shownRequestId(request) }
        : { status: 400, code: 'INVALID_REQUEST', message: 'url: not a valid URL (bad percent-encoding)', param: 'url', requestId: shownRequestId(request) };
      sendRefusal(reply, refusal, render);
    },
    clientErrorHandler: (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket, render),
  });
  const fastify = adapter.getInstance();
  // JSON only: other bodies get a clear 415 instead of being read as a string or a form
  fastify.removeContentTypeParser('text/plain');
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  // registered through Nest, so that app.init() does not put its own JSON parser back
  adapter.useBodyParser('application/json', false, { bodyLimit: options.bodyLimitBytes }, (request, body, done) => {
    let text: string;
    request.bodyBytes = body.length;
    try {
      text = decodeJsonBody(body, request.headers['content-type']);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    // a large body is decoded and checked in one turn and parsed in the next: each half of a
    // 1 MiB body stays well inside the 50 ms that one request may hold the event loop
    if (body.length < SPLIT_PARSE_BYTES) parseJson(request, text, done);
    else setImmediate(() => parseJson(request, text, done));
  });
  // Nest adds a form parser at init unless one is registered: this one refuses every form
  adapter.useBodyParser('application/x-www-form-urlencoded', false, { bodyLimit: options.bodyLimitBytes }, (_request, _body, done) => {
    done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('application/x-www-form-urlencoded'), undefined);
  });
  fastify.decorateRequest('clientRequestId', undefined);
  fastify.decorateRequest('bodyBytes', 0);
  fastify.addHook('onRequest', (request, reply, done) => {
    if (isOwnIds) request.clientRequestId = callerRequestId(request.headers['x-request-id']);
    // on the raw response, so that hijacked (streamed) answers carry it too
    reply.raw.setHeader('x-request-id', shownRequestId(request));
    done();
  });
  return adapter;
}

function sendRefusal(reply: FastifyReply, refusal: EdgeRefusal, render: (refusal: EdgeRefusal) => string): void {
  const body = render(refusal);
  reply.raw.writeHead(refusal.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': refusal.requestId,
  });
  reply.raw.end(body);
}

/**
 * Answers what Node's HTTP parser refused (a control character, CR or LF inside a header, headers
 * over the size limit, a broken request line) as Fastify's default would, but in the app's shape
 * and with a fresh request id; nothing of the request is quoted back.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, render: (refusal: EdgeRefusal) => string): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const requestId = randomUUID();
  const refusal: EdgeRefusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? { status: 431, code: 'HEADERS_TOO_LARGE', message: 'headers: larger than the accepted limit', param: 'headers', requestId }
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? { status: 408, code: 'REQUEST_TIMEOUT', message: 'the request was not received in time', param: 'body', requestId }
        : {
            status: 400,
            code: 'INVALID_REQUEST',
            message: 'headers: malformed HTTP request (a control character, CR or LF in a header, or a broken request line)',
            param: 'headers',
            requestId,
          };
  const body = render(refusal);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
