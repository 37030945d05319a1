import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createFastifyAdapter, type EdgeRefusal } from '@tokenscope/app-runtime';
import { quietBootLogger } from '@tokenscope/logging';
import { Logger } from 'nestjs-pino';
import { AppModule, type GatewayAppOptions } from './app.module.js';
import type { GatewayConfig } from './config/gateway.config.js';
import { installRequestContext } from './http/request-context.js';

/** Builds the gateway exactly as production runs it; main.ts and the tests both call this. */
export async function createGatewayApp(config: GatewayConfig, options: GatewayAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = createFastifyAdapter({ bodyLimitBytes: config.GATEWAY_BODY_LIMIT_BYTES, renderRefusal: renderOpenAiRefusal, requestIds: 'own' });
  installRequestContext(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(quietBootLogger(app.get(Logger)));
  await app.init();
  return app;
}

/** Requests refused before Nest (malformed HTTP, bad URLs) in OpenAI's error shape, like every other gateway error. */
function renderOpenAiRefusal(refusal: EdgeRefusal): string {
  const type = refusal.code === 'REQUEST_TIMEOUT' ? 'timeout_error' : 'invalid_request_error';
  return JSON.stringify({ error: { message: refusal.message, type, code: refusal.code, param: refusal.param } });
}
