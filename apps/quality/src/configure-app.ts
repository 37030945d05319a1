import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createFastifyAdapter } from '@tokenscope/app-runtime';
import { quietBootLogger } from '@tokenscope/logging';
import { Logger } from 'nestjs-pino';
import { AppModule, type QualityAppOptions } from './app.module.js';
import type { QualityConfig } from './config/quality.config.js';

/** Votes are small: a comment is at most 2,000 characters. */
const BODY_LIMIT_BYTES = 64 * 1024;

/** Builds the quality service exactly as production runs it; main.ts and the tests both call this. */
export async function createQualityApp(config: QualityConfig, options: QualityAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = createFastifyAdapter({ bodyLimitBytes: BODY_LIMIT_BYTES });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(quietBootLogger(app.get(Logger)));
  await app.init();
  return app;
}
