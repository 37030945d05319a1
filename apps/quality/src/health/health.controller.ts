import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ShutdownState } from '@tokenscope/app-runtime';
import { redisKeyspace } from '@tokenscope/queue-contracts';
import { REDIS, redisProblem, type RedisClient } from '@tokenscope/redis';
import type { FastifyReply } from 'fastify';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';

@Controller()
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(QUALITY_CONFIG) private readonly config: QualityConfig,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** Ready when Redis answers: the queue, the window, the ledger and the votes all live there. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) reply: FastifyReply) {
    const redis = await redisProblem(this.redis, { probeKey: redisKeyspace(this.config.QUEUE_PREFIX) });
    const isReady = redis === undefined && !this.shutdown.isShuttingDown;
    void reply.code(isReady ? 200 : 503);
    return {
      status: isReady ? 'ready' : 'not ready',
      checks: { redis: redis ?? 'ok', ...(this.shutdown.isShuttingDown ? { shutdown: 'stopping' } : {}) },
    };
  }
}
