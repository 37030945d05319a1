import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { costDayOf } from '@tokenscope/cost';
import { GENERATION_EVENTS, redisKeyspace } from '@tokenscope/queue-contracts';
import { REDIS, type RedisClient } from '@tokenscope/redis';
import { Queue } from 'bullmq';
import { CLOCK, type Clock } from '../clock.js';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import { QUALITY_STORE, type QualityStore } from '../store/quality-store.js';
import { QualityGauges, type QueueJobCounts } from './quality-gauges.js';

/**
 * Reads the window, the cost ledger and the queue from Redis every QUALITY_METRICS_REFRESH_MS
 * (one pipelined round trip plus BullMQ's job counts) and sets the gauges. A timer rather than a
 * scrape-time read: a slow Redis never slows /metrics, and it costs a few commands a second.
 * While Redis is away the gauges keep their last values and one line says so.
 */
@Injectable()
export class MetricsRefresher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('metrics');
  private readonly queue: Queue;
  private timer: NodeJS.Timeout | undefined;
  private isRefreshing = false;
  private isFailing = false;

  constructor(
    @Inject(QUALITY_STORE) private readonly store: QualityStore,
    @Inject(QUALITY_CONFIG) private readonly config: QualityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly gauges: QualityGauges,
  ) {
    this.queue = new Queue(GENERATION_EVENTS, { connection: redis, prefix: redisKeyspace(config.QUEUE_PREFIX) });
    this.queue.on('error', () => undefined);
  }

  async onApplicationBootstrap(): Promise<void> {
    // the first values are in place before the app answers its first scrape (the client connects
    // in the background at boot; a Redis that is down does not hold the boot up for long)
    await whenReady(this.redis, 2000);
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.QUALITY_METRICS_REFRESH_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.queue.close().catch(() => undefined);
  }

  async refresh(): Promise<void> {
    if (this.isRefreshing) return;
    this.isRefreshing = true;
    try {
      const day = costDayOf(this.clock.now(), this.config.COST_TIMEZONE);
      const [snapshot, jobs] = await Promise.all([
        this.store.snapshot(day, this.config.QUALITY_TOP_USERS, this.config.DAILY_BUDGET_USD),
        this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed') as Promise<QueueJobCounts>,
      ]);
      this.gauges.show(snapshot, this.config.QUALITY_TOP_USERS);
      this.gauges.showQueue(jobs);
      if (this.isFailing) this.logger.log('quality gauges refreshed again');
      this.isFailing = false;
    } catch (error) {
      if (!this.isFailing) this.logger.warn({ err: (error as Error).message }, 'quality gauges not refreshed: redis unavailable');
      this.isFailing = true;
    } finally {
      this.isRefreshing = false;
    }
  }
}

function whenReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    }
    redis.once('ready', done);
  });
}
