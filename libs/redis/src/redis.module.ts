import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createRedisClient, type RedisClient, type RedisSettings } from './redis-client.js';

export const REDIS = Symbol('REDIS');

export interface RedisModuleOptions {
  /** The app's validated config (or its Redis part): REDIS_URL, or Cluster/Sentinel addresses. */
  settings: RedisSettings;
  /** Shown in CLIENT LIST, to tell the apps' connections apart. */
  connectionName: string;
}

export interface RedisProbeOptions {
  timeoutMs?: number;
  /**
   * A key of the deployment's key space: the probe asks the master that holds it (EXISTS), so on
   * Cluster a dead master of that slot shows even while the other masters answer. Unset: PING.
   */
  probeKey?: string;
}

/** Why Redis cannot serve right now, or undefined when it can. */
export async function redisProblem(client: RedisClient, { timeoutMs = 1000, probeKey }: RedisProbeOptions = {}): Promise<string | undefined> {
  if (client.status !== 'ready') return `redis is ${client.status}`;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probeKey === undefined ? client.ping() : client.exists(probeKey),
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
  constructor(@Inject(REDIS) private readonly client: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    // quit() waits for replies in flight; disconnect() when Redis is gone already
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }
}

/** One shared Redis client per app, injected with @Inject(REDIS) as a `RedisClient`. */
@Module({})
export class RedisModule {
  static forRoot(options: RedisModuleOptions): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [{ provide: REDIS, useFactory: () => createRedisClient(options.settings, { connectionName: options.connectionName }) }, RedisLifecycle],
      exports: [REDIS],
    };
  }
}
