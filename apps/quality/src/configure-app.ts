import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { resolveRequestId } from '@tokenscope/logging';
import { Logger } from 'nestjs-pino';
import { AppModule, type QualityAppOptions } from './app.module.js';
import type { QualityConfig } from './config/quality.config.js';

/** Builds the quality service exactly as production runs it; main.ts and the tests both call this. */
export async function createQualityApp(config: QualityConfig, options: QualityAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: 64 * 1024,
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => resolveRequestId(req.headers['x-request-id']),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
  return app;
}
