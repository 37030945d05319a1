import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { resolveRequestId } from '@tokenscope/logging';
import { Logger } from 'nestjs-pino';
import { AppModule, type GatewayAppOptions } from './app.module.js';
import type { GatewayConfig } from './config/gateway.config.js';
import { installRequestContext } from './http/request-context.js';

/** Builds the gateway exactly as production runs it; main.ts and the tests both call this. */
export async function createGatewayApp(config: GatewayConfig, options: GatewayAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.GATEWAY_BODY_LIMIT_BYTES,
    // Fastify would trust the header verbatim; the id is validated in genReqId instead
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => resolveRequestId(req.headers['x-request-id']),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
  });
  // JSON only: other bodies get a clear 415 instead of being read as a string
  adapter.getInstance().removeContentTypeParser('text/plain');
  installRequestContext(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
  return app;
}
