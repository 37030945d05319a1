import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { GPU_SAMPLE_FIELD, gpuSamplesStreamKey, parseGpuSample, type GpuSample } from '@tokenscope/queue-contracts';
import { duplicateClient, REDIS, type RedisClient } from '@tokenscope/redis';
import { ZodError } from 'zod';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import { LuaScript } from '@tokenscope/redis';
import { GpuCostRecorder } from './gpu-cost.recorder.js';
import { GpuCostService } from './gpu-cost.service.js';

/**
 * The consumer group of the quality replicas on the GPU samples stream. Wire name: renaming it
 * starts a new group from the beginning of the stream (what the dedupe guard still remembers is
 * not booked twice; older samples are).
 */
export const GPU_COST_GROUP = 'quality-gpu-cost';

/** Longest blocking read: how long a stop may wait for the read in flight. */
const BLOCK_MS = 1000;
/** Entries per read, claim and acknowledgement. */
const BATCH_SIZE = 100;
const RETRY_DELAY_MS = 1000;
const CLOSE_TIMEOUT_MS = 5000;
/** At most one warning a minute about invalid entries (an outdated agent sends one every interval). */
const INVALID_LOG_INTERVAL_MS = 60_000;
/** A consumer with nothing pending and silent for this many claim idle times is gone: it is removed from the group. */
const STALE_CONSUMER_IDLE_FACTOR = 10;

/** One stream entry: its id and its flat field/value list (null when the entry was trimmed while pending). */
type StreamEntry = [id: string, fields: string[] | null];

/**
 * Removes a consumer from the group only if it has nothing pending, in one step: XGROUP
 * DELCONSUMER drops the consumer's pending entries with it, so the check and the removal must not
 * be split by a read of that consumer.
 * KEYS: 1 stream. ARGV: 1 group, 2 consumer. Returns 1 when removed.
 */
const REMOVE_IDLE_CONSUMER = new LuaScript(`
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
`);

/**
 * Reads the GPU samples stream in the consumer group GPU_COST_GROUP, so that N quality replicas
 * process each sample once between them, and hands each sample to GpuCostService. Its own Redis
 * connection, since a blocking read would stall the shared client's other commands. An entry is
 * acknowledged once it is booked, found unpriced or found invalid; one whose booking failed stays
 * pending and is read again. Entries a dead replica read and never acknowledged are claimed
 * (XAUTOCLAIM) after QUALITY_GPU_CLAIM_IDLE_MS, at start and then at that interval. Booking is
 * idempotent on (host, sampledAtMs), so a sample processed twice (a redelivery, the agent writing
 * a batch again) is booked once.
 */
@Injectable()
export class GpuSamplesConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  /** Unique per app instance: a restarted replica does not inherit a dead one's entries by name, it claims them. */
  readonly consumerName = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly logger = new Logger('gpu-cost');
  private readonly streamKey: string;
  private connection: RedisClient | undefined;
  private loop: Promise<void> | undefined;
  private isRunning = false;
  private isFailing = false;
  private hasGroup = false;
  /** Read this consumer's own pending entries (ID 0) before new ones: after a failed booking. */
  private hasOwnPending = true;
  private nextClaimAtMs = 0;
  private lastInvalidLogMs = Number.NEGATIVE_INFINITY;
  private invalidSinceLog = 0;
  private wakeUp: (() => void) | undefined;

  constructor(
    @Inject(QUALITY_CONFIG) private readonly config: QualityConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly costs: GpuCostService,
    private readonly recorder: GpuCostRecorder,
  ) {
    this.streamKey = gpuSamplesStreamKey(config.QUEUE_PREFIX);
  }

  onApplicationBootstrap(): void {
    this.connection = duplicateClient(this.redis, 'tokenscope-quality-gpu-cost');
    this.isRunning = true;
    this.loop = this.run(this.connection);
  }

  /** Stops after the read or batch in flight (a read blocks at most BLOCK_MS), then closes the connection. */
  async onModuleDestroy(): Promise<void> {
    if (!this.loop) return;
    this.isRunning = false;
    this.wakeUp?.();
    let timer: NodeJS.Timeout | undefined;
    const isStopped = await Promise.race([
      this.loop.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), CLOSE_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!isStopped) this.logger.warn({ timeoutMs: CLOSE_TIMEOUT_MS }, 'gpu samples consumer did not stop in time');
    this.connection?.disconnect();
  }

  private async run(connection: RedisClient): Promise<void> {
    while (this.isRunning) {
      try {
        if (!isReady(connection)) {
          // connecting at boot, or reconnecting: the client has no offline queue, commands would fail at once
          await this.pause(RETRY_DELAY_MS, connection);
          if (!isReady(connection)) throw new Error(`redis is ${connection.status}`);
          continue;
        }
        if (!this.hasGroup) await this.createGroup(connection);
        if (performance.now() >= this.nextClaimAtMs) {
          await this.claimAbandoned(connection);
          this.nextClaimAtMs = performance.now() + this.config.QUALITY_GPU_CLAIM_IDLE_MS;
        }
        await this.readAndProcess(connection);
        if (this.isFailing) this.logger.log('gpu samples read again');
        this.isFailing = false;
      } catch (error) {
        if (!this.isRunning) break;
        const message = (error as Error).message;
        // the stream or the group is gone (Redis restarted empty, someone deleted the key): create it again
        if (message.includes('NOGROUP')) this.hasGroup = false;
        this.hasOwnPending = true;
        if (!this.isFailing) this.logger.warn({ err: message }, 'gpu samples not processed, retrying');
        this.isFailing = true;
        await this.pause(RETRY_DELAY_MS);
      }
    }
  }

  /** From the start of the stream: a first deployment books the GPU time the stream still holds. */
  private async createGroup(connection: RedisClient): Promise<void> {
    try {
      await connection.xgroup('CREATE', this.streamKey, GPU_COST_GROUP, '0', 'MKSTREAM');
      this.logger.log({ stream: this.streamKey, group: GPU_COST_GROUP }, 'gpu samples consumer group created');
    } catch (error) {
      if (!(error as Error).message.startsWith('BUSYGROUP')) throw error;
    }
    this.hasGroup = true;
  }

  private async readAndProcess(connection: RedisClient): Promise<void> {
    const isOwnPending = this.hasOwnPending;
    const position = isOwnPending ? ['STREAMS', this.streamKey, '0'] : ['BLOCK', BLOCK_MS, 'STREAMS', this.streamKey, '>'];
    const entries = entriesOf(await connection.call('XREADGROUP', 'GROUP', GPU_COST_GROUP, this.consumerName, 'COUNT', BATCH_SIZE, ...position));
    if (isOwnPending && entries.length === 0) this.hasOwnPending = false;
    await this.process(connection, entries);
  }

  /** Takes over entries that another consumer read and left unacknowledged for the claim idle time. */
  private async claimAbandoned(connection: RedisClient): Promise<void> {
    let cursor = '0-0';
    do {
      const [next, entries, trimmed] = (await connection.xautoclaim(this.streamKey, GPU_COST_GROUP, this.consumerName, this.config.QUALITY_GPU_CLAIM_IDLE_MS, cursor, 'COUNT', BATCH_SIZE)) as [
        string,
        StreamEntry[],
        string[] | undefined,
      ];
      if (entries.length > 0) this.logger.log({ entries: entries.length }, 'gpu samples of an unresponsive consumer claimed');
      if (trimmed && trimmed.length > 0) this.logger.warn({ entries: trimmed.length }, 'pending gpu samples were trimmed from the stream before they were processed');
      await this.process(connection, entries);
      cursor = next;
    } while (cursor !== '0-0' && this.isRunning);
    await this.removeStaleConsumers(connection);
  }

  private async removeStaleConsumers(connection: RedisClient): Promise<void> {
    const staleAfterMs = STALE_CONSUMER_IDLE_FACTOR * this.config.QUALITY_GPU_CLAIM_IDLE_MS;
    const consumers = (await connection.xinfo('CONSUMERS', this.streamKey, GPU_COST_GROUP)) as unknown[][];
    for (const consumer of consumers.map(fieldsOf)) {
      if (consumer.name === this.consumerName || Number(consumer.pending) > 0 || Number(consumer.idle) < staleAfterMs) continue;
      const isRemoved = await REMOVE_IDLE_CONSUMER.run(connection, [this.streamKey], [GPU_COST_GROUP, String(consumer.name)]);
      if (isRemoved === 1) this.logger.log({ consumer: consumer.name, idleMs: Number(consumer.idle) }, 'idle gpu samples consumer removed from the group');
    }
  }

  /**
   * Processes entries in order and acknowledges the handled ones in one XACK. A failed booking
   * stops the batch: the rest stays pending for this consumer and is read again (ID 0).
   */
  private async process(connection: RedisClient, entries: StreamEntry[]): Promise<void> {
    const handled: string[] = [];
    try {
      for (const [id, fields] of entries) {
        const sample = this.parse(id, fields);
        if (sample) {
          try {
            await this.costs.book(sample);
          } catch (error) {
            this.recorder.outcome('failed');
            throw error;
          }
        }
        handled.push(id);
      }
    } finally {
      if (handled.length < entries.length) this.hasOwnPending = true;
      if (handled.length > 0) await connection.xack(this.streamKey, GPU_COST_GROUP, ...handled);
    }
  }

  /** The entry through the contract; undefined (counted, and acknowledged by the caller) when it does not fit. */
  private parse(id: string, fields: string[] | null): GpuSample | undefined {
    try {
      if (fields === null) throw new Error('entry trimmed from the stream before it was processed');
      return parseGpuSample(valueOf(fields, GPU_SAMPLE_FIELD));
    } catch (error) {
      this.recorder.outcome('invalid');
      this.invalidSinceLog++;
      const now = performance.now();
      if (now - this.lastInvalidLogMs >= INVALID_LOG_INTERVAL_MS) {
        const problem = error instanceof ZodError ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (error as Error).message.slice(0, 200);
        this.logger.warn({ entry_id: id, problem, dropped: this.invalidSinceLog }, 'invalid gpu samples dropped');
        this.lastInvalidLogMs = now;
        this.invalidSinceLog = 0;
      }
      return undefined;
    }
  }

  /** Waits, but wakes up at once on stop (and, given a connection, when it is ready). */
  private pause(ms: number, connection?: RedisClient): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        connection?.off('ready', done);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      connection?.once('ready', done);
      this.wakeUp = done;
    });
  }
}

/** The entries of a one-stream XREAD(GROUP) reply: `[[key, entries]]` in RESP2, a map (which ioredis gives as `[key, entries]`) in RESP3. */
function entriesOf(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const isMap = typeof reply[0] === 'string' || Buffer.isBuffer(reply[0]);
  return ((isMap ? reply[1] : (reply[0] as unknown[] | undefined)?.[1]) ?? []) as StreamEntry[];
}

function isReady(connection: RedisClient): boolean {
  return connection.status === 'ready';
}

/** The value of one field of a stream entry; throws when the entry has no such field. */
function valueOf(fields: string[], name: string): string {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1]!;
  throw new Error(`no ${name} field`);
}

/** XINFO's flat [name, value, name, value, ...] reply as an object. */
function fieldsOf(flat: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = flat[i + 1];
  return fields;
}
