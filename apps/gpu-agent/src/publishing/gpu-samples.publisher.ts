import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { LLM_QUEUE_EVENTS_BUFFERED, LLM_QUEUE_EVENTS_DROPPED_TOTAL, LLM_QUEUE_EVENTS_PUBLISHED_TOTAL } from '@tokenscope/metrics';
import {
  GPU_SAMPLE_FIELD,
  GPU_SAMPLES,
  gpuLatestKey,
  gpuLatestTtlSeconds,
  gpuSamplesStreamKey,
  snapshotsOf,
  type GpuSample,
} from '@tokenscope/queue-contracts';
import { REDIS, type RedisClient } from '@tokenscope/redis';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { GPU_AGENT_CONFIG, type GpuAgentConfig } from '../config/gpu-agent.config.js';
import { SampleBacklog } from './sample-backlog.js';

const BATCH_SIZE = 100;
const RETRY_DELAY_MS = 1000;
const SHUTDOWN_FLUSH_MS = 2000;
/** ioredis states of a first connection still under way: not an outage worth a warning yet. */
const FIRST_CONNECT_STATES = new Set(['wait', 'connecting', 'connect']);
const FIRST_CONNECT_POLL_MS = 100;

/**
 * Writes samples to Redis (the gpu-samples stream, and each GPU's latest snapshot with a TTL)
 * without ever making the sampler wait: `publish` only queues the sample; a timer writes the
 * backlog in pipelined batches. While Redis is away the backlog fills up to
 * GPU_AGENT_PUBLISH_BUFFER, then drops its oldest samples and counts them. Delivery is at least
 * once: a batch that failed half-way is written again, and consumers dedupe on (host, sampledAtMs).
 */
@Injectable()
export class GpuSamplesPublisher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(GpuSamplesPublisher.name);
  private readonly backlog: SampleBacklog<GpuSample>;
  private readonly streamKey: string;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private isFailing = false;
  private hasBeenReady = false;
  private awaitingFirstConnect = false;

  constructor(
    @Inject(GPU_AGENT_CONFIG) private readonly config: GpuAgentConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    @InjectMetric(LLM_QUEUE_EVENTS_PUBLISHED_TOTAL) private readonly published: Counter<'queue'>,
    @InjectMetric(LLM_QUEUE_EVENTS_DROPPED_TOTAL) private readonly dropped: Counter<'queue' | 'reason'>,
    @InjectMetric(LLM_QUEUE_EVENTS_BUFFERED) private readonly buffered: Gauge<'queue'>,
  ) {
    this.backlog = new SampleBacklog(config.GPU_AGENT_PUBLISH_BUFFER);
    this.streamKey = gpuSamplesStreamKey(config.QUEUE_PREFIX);
    this.published.inc({ queue: GPU_SAMPLES }, 0);
    this.dropped.inc({ queue: GPU_SAMPLES, reason: 'buffer_full' }, 0);
    this.buffered.set({ queue: GPU_SAMPLES }, 0);
  }

  /** Samples waiting for Redis. */
  get pending(): number {
    return this.backlog.size;
  }

  /** Queues a sample for Redis; returns at once. */
  publish(sample: GpuSample): void {
    const droppedCount = this.backlog.push(sample);
    if (droppedCount > 0) this.dropped.inc({ queue: GPU_SAMPLES, reason: 'buffer_full' }, droppedCount);
    this.buffered.set({ queue: GPU_SAMPLES }, this.backlog.size);
    this.schedule(0);
  }

  /** Writes what it can now (tests, shutdown); resolves when Redis took everything or refused. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.draining;
    await this.drain();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.race([this.flush(), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_FLUSH_MS).unref())]);
    clearTimeout(this.timer);
    const lost = this.backlog.clear();
    if (lost > 0) {
      this.dropped.inc({ queue: GPU_SAMPLES, reason: 'shutdown' }, lost);
      this.logger.warn({ samples: lost }, 'gpu samples lost at shutdown: redis unreachable');
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.draining) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, delayMs);
    this.timer.unref();
  }

  private drain(): Promise<void> {
    this.draining ??= this.writeBacklog().finally(() => {
      this.draining = undefined;
      this.buffered.set({ queue: GPU_SAMPLES }, this.backlog.size);
      if (this.backlog.size > 0) this.schedule(this.awaitingFirstConnect ? FIRST_CONNECT_POLL_MS : this.isFailing ? RETRY_DELAY_MS : 0);
    });
    return this.draining;
  }

  private async writeBacklog(): Promise<void> {
    while (this.backlog.size > 0) {
      if (this.redis.status !== 'ready') {
        // the sample taken at boot usually arrives before the connection does
        if (!this.hasBeenReady && FIRST_CONNECT_STATES.has(this.redis.status)) this.awaitingFirstConnect = true;
        else this.noteFailure(`redis is ${this.redis.status}`);
        return;
      }
      this.hasBeenReady = true;
      this.awaitingFirstConnect = false;
      const batch = this.backlog.peek(BATCH_SIZE);
      const isNewestIncluded = batch.length === this.backlog.size;
      const problem = await this.write(batch, isNewestIncluded);
      if (problem) {
        this.noteFailure(problem);
        return;
      }
      this.backlog.remove(batch.length);
      this.published.inc({ queue: GPU_SAMPLES }, batch.length);
      if (this.isFailing) this.logger.log({ pending: this.backlog.size }, 'gpu samples flowing again');
      this.isFailing = false;
    }
  }

  /** One round trip; returns what went wrong, or undefined. */
  private async write(batch: readonly GpuSample[], isNewestIncluded: boolean): Promise<string | undefined> {
    const pipeline = this.redis.pipeline();
    for (const sample of batch) {
      pipeline.xadd(this.streamKey, 'MAXLEN', '~', this.config.GPU_AGENT_STREAM_MAXLEN, '*', GPU_SAMPLE_FIELD, JSON.stringify(sample));
    }
    const newest = batch[batch.length - 1];
    // only the newest sample may set the latest snapshots: a backlog written late must not overwrite them with older ones
    if (isNewestIncluded && newest) {
      const ttlSeconds = gpuLatestTtlSeconds(newest.intervalMs);
      for (const snapshot of snapshotsOf(newest)) {
        pipeline.set(gpuLatestKey(this.config.QUEUE_PREFIX, snapshot.host, snapshot.gpu.uuid), JSON.stringify(snapshot), 'EX', ttlSeconds);
      }
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      return failed ? `redis refused a write: ${(failed[0] as Error).message}` : undefined;
    } catch (error) {
      return `redis write failed: ${(error as Error).message}`;
    }
  }

  private noteFailure(problem: string): void {
    if (!this.isFailing) this.logger.warn({ err: problem, pending: this.backlog.size }, 'gpu samples held back: redis unavailable');
    this.isFailing = true;
  }
}
