import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createFastifyAdapter } from '@tokenscope/app-runtime';
import { quietBootLogger } from '@tokenscope/logging';
import { Logger } from 'nestjs-pino';
import { AppModule, type GpuAgentAppOptions } from './app.module.js';
import type { GpuAgentConfig } from './config/gpu-agent.config.js';

/** Builds the GPU agent exactly as production runs it; main.ts and the tests both call this. */
export async function createGpuAgentApp(config: GpuAgentConfig, options: GpuAgentAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = createFastifyAdapter({ bodyLimitBytes: 64 * 1024 });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(quietBootLogger(app.get(Logger)));
  await app.init();
  return app;
}
