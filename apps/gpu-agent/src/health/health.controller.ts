import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ShutdownState } from '@tokenscope/app-runtime';
import { redisKeyspace } from '@tokenscope/queue-contracts';
import { REDIS, redisProblem, type RedisClient } from '@tokenscope/redis';
import type { FastifyReply } from 'fastify';
import { GPU_AGENT_CONFIG, type GpuAgentConfig } from '../config/gpu-agent.config.js';
import { CLOCK, type Clock } from '../sampling/clock.js';
import { SamplerHealth } from '../sampling/sampler-health.js';

@Controller()
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(GPU_AGENT_CONFIG) private readonly config: GpuAgentConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly sampler: SamplerHealth,
    private readonly shutdown: ShutdownState,
  ) {}

  /** The process is alive, with or without GPUs: a host without a driver must not crash-loop the agent. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /**
   * Ready while the last sample read GPUs and is recent; otherwise 503 with the reason (no
   * nvidia-smi, no driver, no GPU, a hang). Redis is reported but does not make the agent unready:
   * without it /metrics still works and samples wait in memory.
   */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) reply: FastifyReply) {
    const gpus = this.sampler.readiness(this.clock.nowMs());
    const redis = await redisProblem(this.redis, { probeKey: redisKeyspace(this.config.QUEUE_PREFIX) });
    const isReady = gpus.isReady && !this.shutdown.isShuttingDown;
    void reply.code(isReady ? 200 : 503);
    return {
      status: !isReady ? 'not ready' : redis ? 'degraded' : 'ready',
      checks: {
        gpus: gpus.detail,
        redis: redis ?? 'ok',
        ...(this.shutdown.isShuttingDown ? { shutdown: 'stopping' } : {}),
      },
    };
  }
}
