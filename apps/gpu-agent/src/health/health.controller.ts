import { Controller, Get, Inject, Res } from '@nestjs/common';
import { REDIS, redisProblem } from '@tokenscope/redis';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';

@Controller()
export class HealthController {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** Ready when Redis answers: the queue, the windows and the feedback all live there. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) reply: FastifyReply) {
    const redis = await redisProblem(this.redis);
    void reply.code(redis ? 503 : 200);
    return { status: redis ? 'not ready' : 'ready', checks: { redis: redis ?? 'ok' } };
  }
}
