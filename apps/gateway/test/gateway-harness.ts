import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@tokenscope/config';
import { REDIS } from '@tokenscope/redis';
import { LogCapture, scrape, startRedis, type Samples, type TestRedis } from '@tokenscope/testing';
import type { Redis } from 'ioredis';
import { gatewayConfigSchema } from '../src/config/gateway.config.js';
import { createGatewayApp } from '../src/configure-app.js';

export interface RunningGateway {
  url: string;
  app: NestFastifyApplication;
  logs: LogCapture;
  metrics(accept?: string): Promise<Samples>;
  close(): Promise<void>;
}

/** The real gateway (AppModule + configureApp) on a free port, configured like production through env-style values. */
export async function startGateway(env: Record<string, string>): Promise<RunningGateway> {
  const config = loadConfig(gatewayConfigSchema, { LOG_LEVEL: 'info', SIMULATOR_SPEED: '0', ...env });
  const logs = new LogCapture();
  const app = await createGatewayApp(config, { logDestination: logs });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  // as in production, where traffic comes once /readyz passes: a caller's x-request-id can be
  // claimed (and echoed) only once Redis is connected (a test with Redis away goes on after 2 s)
  const redis = app.get<Redis>(REDIS);
  for (let waitedMs = 0; redis.status !== 'ready' && waitedMs < 2000; waitedMs += 20) await new Promise((r) => setTimeout(r, 20));
  return {
    url,
    app,
    logs,
    metrics: (accept) => scrape(url, accept),
    close: () => app.close(),
  };
}

export interface GatewayOnRedis {
  readonly redis: TestRedis;
  readonly gateway: RunningGateway;
}

/** For the enclosing describe: a private Redis and a gateway on it (`env` on top), stopped after its tests. */
export function useGateway(env: Record<string, string> = {}): GatewayOnRedis {
  const running: { redis?: TestRedis; gateway?: RunningGateway } = {};
  beforeAll(async () => {
    running.redis = await startRedis();
    running.gateway = await startGateway({ REDIS_URL: running.redis.url, QUEUE_PREFIX: running.redis.prefix, ...env });
  });
  afterAll(async () => {
    await running.gateway?.close();
    await running.redis?.stop();
  });
  return running as GatewayOnRedis;
}

export function jsonPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Reads a whole SSE response into its data payloads. */
export async function readSse(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6));
}
