import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { resolveRequestId } from '@tokenscope/logging';
import { Logger } from 'nestjs-pino';
import { AppModule, type GpuAgentAppOptions } from './app.module.js';
import type { GpuAgentConfig } from './config/gpu-agent.config.js';

/** Builds the GPU agent exactly as production runs it; main.ts and the tests both call this. */
export async function createGpuAgentApp(config: GpuAgentConfig, options: GpuAgentAppOptions = {}): Promise<NestFastifyApplication> {
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
