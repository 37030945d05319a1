import type { IncomingMessage } from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { resolveRequestId } from '@tokenscope/logging';

export interface AdapterOptions {
  bodyLimitBytes: number;
}

/**
 * The Fastify adapter every app runs on: request ids validated before they are trusted and
 * echoed in `x-request-id` on every answer (streamed ones included), JSON bodies only, and
 * prototype-poisoning keys refused.
 */
export function createFastifyAdapter(options: AdapterOptions): FastifyAdapter {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes,
    // Fastify would take the header verbatim; genReqId validates it instead
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => resolveRequestId(req.headers['x-request-id']),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
  });
  const fastify = adapter.getInstance();
  // JSON only: other bodies get a clear 415 instead of being read as a string
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', (request, reply, done) => {
    // on the raw response, so that hijacked (streamed) answers carry it too
    reply.raw.setHeader('x-request-id', request.id);
    done();
  });
  return adapter;
}
