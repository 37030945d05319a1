import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ShutdownState } from '@tokenscope/app-runtime';
import { redisKeyspace } from '@tokenscope/queue-contracts';
import { REDIS, redisProblem, type RedisClient } from '@tokenscope/redis';
import type { FastifyReply } from 'fastify';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { BackendRouter } from '../backends/backend-router.js';
import { ModelDiscovery } from '../backends/model-discovery.service.js';

@Controller()
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly backends: BackendRouter,
    private readonly shutdown: ShutdownState,
    private readonly discovery: ModelDiscovery,
  ) {}

  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /**
   * Ready when the backend can serve. Redis is reported but does not make the gateway unready:
   * without it generation still works (events are buffered), and failing readiness on a Redis
   * blip would take every replica out of rotation at once.
   */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) reply: FastifyReply) {
    const [upstream, redis] = await Promise.all([this.backends.readinessProblem(), redisProblem(this.redis, { probeKey: redisKeyspace(this.config.QUEUE_PREFIX) })]);
    const backend = upstream ?? this.discovery.readinessProblem();
    const isReady = backend === undefined && !this.shutdown.isShuttingDown;
    void reply.code(isReady ? 200 : 503);
    return {
      status: !isReady ? 'not ready' : redis ? 'degraded' : 'ready',
      checks: {
        backend: backend ?? 'ok',
        redis: redis ?? 'ok',
        ...(this.shutdown.isShuttingDown ? { shutdown: 'draining in-flight requests' } : {}),
      },
    };
  }
}
