import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

export const REDIS = Symbol('REDIS');

export interface RedisModuleOptions {
  url: string;
  /** Shown in CLIENT LIST, to tell the apps' connections apart. */
  connectionName: string;
}

/**
 * An ioredis client that fails fast while Redis is away instead of queueing commands without
 * bound: callers (event buffers, budget reads, readiness) decide what an outage means for them.
 * It reconnects by itself with a capped backoff.
 */
export function createRedisClient(options: RedisModuleOptions): Redis {
  const client = new Redis(options.url, {
    connectionName: options.connectionName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    lazyConnect: false,
  });
  // without a listener ioredis prints every failed reconnection; readiness reports the outage instead
  client.on('error', () => undefined);
  return client;
}

/** Why Redis cannot serve right now, or undefined when it can. */
export async function redisProblem(client: Redis, timeoutMs = 1000): Promise<string | undefined> {
  if (client.status !== 'ready') return `redis is ${client.status}`;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return undefined;
  } catch (error) {
    return `redis ping failed: ${(error as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly client: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    // quit() waits for replies in flight; disconnect() when Redis is gone already
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }
}

/** One shared Redis client per app, injected with @Inject(REDIS). */
@Module({})
export class RedisModule {
  static forRoot(options: RedisModuleOptions): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [{ provide: REDIS, useFactory: () => createRedisClient(options) }, RedisLifecycle],
      exports: [REDIS],
    };
  }
}
