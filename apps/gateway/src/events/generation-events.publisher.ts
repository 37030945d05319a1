import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { LLM_QUEUE_EVENTS_BUFFERED, LLM_QUEUE_EVENTS_DROPPED_TOTAL, LLM_QUEUE_EVENTS_PUBLISHED_TOTAL } from '@tokenscope/metrics';
import { defaultJobOptions, GENERATION_COMPLETED, GENERATION_EVENTS, redisKeyspace, type GenerationCompleted } from '@tokenscope/queue-contracts';
import { nodeForKey, REDIS, waitForReplicas, type RedisClient } from '@tokenscope/redis';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Queue } from 'bullmq';
import type { Counter, Gauge } from 'prom-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { BoundedBuffer } from './bounded-buffer.js';

const BATCH_SIZE = 500;
const RETRY_DELAY_MS = 500;
const SHUTDOWN_FLUSH_MS = 5000;

/**
 * Publishes one `generation.completed` job per finished request without ever making the
 * request wait: events go to an in-memory buffer bounded in count and in bytes that a timer writes to Redis in
 * batches (one round trip per batch). While Redis is away the buffer fills, then drops its
 * oldest events and counts them; when Redis returns it drains by itself.
 *
 * Replication is asynchronous: a master that acknowledged a batch and died before its replica had
 * it takes the batch with it when the replica is promoted. With EVENTS_WAIT_REPLICAS set, a batch
 * counts as written only once that many replicas confirm it (WAIT); otherwise it goes back into the
 * buffer and is written again, which is harmless (the job id is the request id: BullMQ skips a job
 * it still has, and the quality service counts a request once).
 */
@Injectable()
export class GenerationEventsPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(GenerationEventsPublisher.name);
  private readonly queue: Queue;
  private readonly buffer: BoundedBuffer<GenerationCompleted>;
  private timer: NodeJS.Timeout | undefined;
  private isFlushing = false;
  private wasFailing = false;
  private isUnreplicated = false;
  private readonly bufferedLabels = { queue: GENERATION_EVENTS };

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    @InjectMetric(LLM_QUEUE_EVENTS_PUBLISHED_TOTAL) private readonly published: Counter<'queue'>,
    @InjectMetric(LLM_QUEUE_EVENTS_DROPPED_TOTAL) private readonly dropped: Counter<'queue' | 'reason'>,
    @InjectMetric(LLM_QUEUE_EVENTS_BUFFERED) private readonly buffered: Gauge<'queue'>,
  ) {
    this.buffer = new BoundedBuffer(config.EVENTS_BUFFER_LIMIT, config.EVENTS_BUFFER_LIMIT_BYTES, eventBytes);
    this.queue = new Queue(GENERATION_EVENTS, { connection: redis, prefix: redisKeyspace(config.QUEUE_PREFIX), defaultJobOptions });
    this.queue.on('error', () => undefined); // connection errors surface through readiness and the drop counter
    this.dropped.inc({ queue: GENERATION_EVENTS, reason: 'buffer_full' }, 0);
    this.buffered.set({ queue: GENERATION_EVENTS }, 0);
  }

  get pending(): number {
    return this.buffer.size;
  }

  /** Estimated bytes of the events waiting (for tests and diagnostics). */
  get pendingBytes(): number {
    return this.buffer.bytes;
  }

  publish(event: GenerationCompleted): void {
    const droppedCount = this.buffer.push(event);
    if (droppedCount > 0) this.dropped.inc({ queue: GENERATION_EVENTS, reason: 'buffer_full' }, droppedCount);
    this.buffered.set(this.bufferedLabels, this.buffer.size);
    this.schedule(this.config.EVENTS_FLUSH_INTERVAL_MS);
  }

  /** Writes everything buffered now (used on shutdown and by tests). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.buffer.size > 0 && this.redis.status === 'ready') {
      if (!(await this.writeBatch())) break;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.race([this.flush(), new Promise((r) => setTimeout(r, SHUTDOWN_FLUSH_MS).unref())]);
    if (this.buffer.size > 0) {
      this.dropped.inc({ queue: GENERATION_EVENTS, reason: 'shutdown' }, this.buffer.size);
      this.logger.warn({ events: this.buffer.size }, 'generation events lost at shutdown: redis unreachable');
    }
    clearTimeout(this.timer);
    await this.queue.close().catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.isFlushing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, delayMs);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    if (this.isFlushing) return;
    this.isFlushing = true;
    let isHealthy = true;
    try {
      while (this.buffer.size > 0) {
        if (this.redis.status !== 'ready' || !(await this.writeBatch())) {
          isHealthy = false;
          break;
        }
      }
    } finally {
      this.isFlushing = false;
      this.buffered.set(this.bufferedLabels, this.buffer.size);
    }
    if (this.buffer.size > 0) this.schedule(isHealthy ? this.config.EVENTS_FLUSH_INTERVAL_MS : RETRY_DELAY_MS);
  }

  /**
   * Throws unless EVENTS_WAIT_REPLICAS replicas have the writes so far. A master with fewer
   * replicas connected than asked (the one left after a failover, until its peer is back) cannot
   * do better: its writes are accepted rather than retried forever, and the lag is logged.
   */
  private async confirmReplicated(): Promise<void> {
    const wanted = this.config.EVENTS_WAIT_REPLICAS;
    if (wanted === 0) return;
    const key = redisKeyspace(this.config.QUEUE_PREFIX);
    const confirmed = await waitForReplicas(this.redis, key, wanted, this.config.EVENTS_WAIT_TIMEOUT_MS);
    if (confirmed >= wanted) {
      this.isUnreplicated = false;
      return;
    }
    const info = (await nodeForKey(this.redis, key)?.info('replication')) ?? '';
    const connected = Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0);
    if (confirmed >= connected) {
      if (!this.isUnreplicated) this.logger.warn({ wanted, connected }, 'generation events written without replica confirmation: too few replicas connected');
      this.isUnreplicated = true;
      return;
    }
    throw new Error(`${confirmed} of ${wanted} replicas confirmed the batch within ${this.config.EVENTS_WAIT_TIMEOUT_MS} ms`);
  }

  /** One round trip; false (batch kept for later) when Redis refused it. */
  private async writeBatch(): Promise<boolean> {
    const batch = this.buffer.take(BATCH_SIZE);
    try {
      await this.queue.addBulk(batch.map((data) => ({ name: GENERATION_COMPLETED, data, opts: { jobId: data.requestId } })));
      await this.confirmReplicated();
      this.published.inc({ queue: GENERATION_EVENTS }, batch.length);
      if (this.wasFailing) this.logger.log({ pending: this.buffer.size }, 'generation events flowing again');
      this.wasFailing = false;
      return true;
    } catch (error) {
      const lost = this.buffer.putBack(batch);
      if (lost > 0) this.dropped.inc({ queue: GENERATION_EVENTS, reason: 'buffer_full' }, lost);
      if (!this.wasFailing) this.logger.warn({ err: (error as Error).message, pending: this.buffer.size }, 'generation events held back: redis write failed');
      this.wasFailing = true;
      return false;
    }
  }
}

/**
 * Memory one buffered event holds, estimated: its strings at two bytes a character (V8 keeps
 * non-Latin-1 text in UTF-16) plus the fixed fields and object overhead.
 */
export function eventBytes(event: GenerationCompleted): number {
  let chars = event.output.length + event.requestId.length + event.publicId.length + event.userId.length + event.model.length;
  for (const document of event.context ?? []) chars += document.length;
  return 2 * chars + 1024;
}
