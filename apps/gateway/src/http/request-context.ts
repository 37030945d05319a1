import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { extractTraceContext, tracer } from '@tokenscope/tracing';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the request arrived: the start of latency and TTFT. */
    arrivalMs: number;
    /** Date.now() at the same moment, for events and logs. */
    arrivalEpochMs: number;
    /** The server span of an API request (none for /metrics and probes). */
    serverSpan: Span | undefined;
  }
}

/** Routes that get a server span: the API, not the scrapes and probes that hit it every few seconds. */
function isTracedPath(url: string): boolean {
  return url.startsWith('/v1/') || url.startsWith('/admin/');
}

/**
 * Stamps each request's arrival and opens the server span
 * (parent taken from the caller's `traceparent`). The span is created here rather than by
 * @opentelemetry/instrumentation-http: that costs less per request and works the same in
 * tests, where jest's module loader bypasses require hooks.
 */
export function installRequestContext(fastify: FastifyInstance): void {
  fastify.decorateRequest('arrivalMs', 0);
  fastify.decorateRequest('arrivalEpochMs', 0);
  fastify.decorateRequest('serverSpan', undefined);

  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    request.arrivalMs = performance.now();
    request.arrivalEpochMs = Date.now();
    if (isTracedPath(request.url)) {
      const route = request.routeOptions.url ?? request.url.split('?')[0];
      const span = tracer().startSpan(
        `${request.method} ${route}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': request.method,
            'url.path': request.url.split('?')[0],
            'http.route': route,
            'tokenscope.request_id': request.id,
          },
        },
        extractTraceContext(request.headers),
      );
      request.serverSpan = span;
      reply.raw.once('close', () => endServerSpan(span, reply.raw.statusCode));
    }
    done();
  });
}

function endServerSpan(span: Span, statusCode: number): void {
  span.setAttribute('http.response.status_code', statusCode);
  if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** The context under which a request's own spans and log lines belong to its trace. */
export function requestTraceContext(request: FastifyRequest): Context {
  return request.serverSpan ? trace.setSpan(context.active(), request.serverSpan) : context.active();
}
