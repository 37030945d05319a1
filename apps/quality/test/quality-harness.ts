import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@tokenscope/config';
import {
  defaultJobOptions,
  GENERATION_COMPLETED,
  GENERATION_EVENTS,
  generationCompleted,
  GPU_SAMPLE_FIELD,
  GPU_SAMPLES_STREAM_MAXLEN,
  gpuSample,
  gpuSamplesStreamKey,
  REQUEST_RECORD_TTL_SECONDS,
  requestRecordKey,
  type GenerationCompleted,
  type GpuSample, redisKeyspace } from '@tokenscope/queue-contracts';
import { LogCapture, scrape, startRedis, waitFor, type Samples, type TestRedis } from '@tokenscope/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { QualityAppOptions } from '../src/app.module.js';
import type { Clock } from '../src/clock.js';
import { qualityConfigSchema, type QualityConfig } from '../src/config/quality.config.js';
import { createQualityApp } from '../src/configure-app.js';

export interface RunningQuality {
  url: string;
  app: NestFastifyApplication;
  config: QualityConfig;
  logs: LogCapture;
  metrics(): Promise<Samples>;
  close(): Promise<void>;
}

/** The real quality service (AppModule + createQualityApp) on a free port, configured through env-style values. */
export async function startQuality(env: Record<string, string>, options: QualityAppOptions = {}): Promise<RunningQuality> {
  const config = loadConfig(qualityConfigSchema, { LOG_LEVEL: 'info', QUALITY_METRICS_REFRESH_MS: '50', ...env });
  const logs = new LogCapture();
  const app = await createQualityApp(config, { logDestination: logs, ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  // as an orchestrator would: traffic only once /readyz says Redis answers
  await waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200));
  return { url, app, config, logs, metrics: () => scrape(url), close: () => app.close() };
}

/** A clock the test moves by hand. */
export class FakeClock implements Clock {
  constructor(public nowMs: number) {}

  now(): number {
    return this.nowMs;
  }

  set(iso: string): void {
    this.nowMs = Date.parse(iso);
  }
}

let eventCounter = 0;

/** A `generation.completed` payload that passes the contract, with the fields a test cares about. */
export function generationEvent(overrides: Partial<GenerationCompleted> = {}): GenerationCompleted {
  const finishedAtMs = overrides.finishedAtMs ?? Date.now();
  const requestId = overrides.requestId ?? `req-${process.pid}-${++eventCounter}`;
  return generationCompleted.parse({
    v: 3,
    requestId,
    publicId: requestId,
    model: 'sim-fast',
    userId: 'alice',
    endpoint: 'generate',
    status: 'success',
    errorCode: null,
    httpStatus: 200,
    finishReason: 'stop',
    promptTokens: 10,
    completionTokens: 20,
    isUsageEstimated: false,
    costUsd: 0,
    costBasis: 'tokens',
    ttftMs: 50,
    tpotMs: 10,
    latencyMs: 240,
    startedAtMs: finishedAtMs - 240,
    finishedAtMs,
    output: 'Prefill reads the whole prompt at once. Decode produces one token at a time.',
    context: null,
    isContextReduced: false,
    question: null,
    trace: {},
    ...overrides,
  });
}

/** Enqueues events the way the gateway does: the contract's job name, options, and jobId = request id. */
export class EventQueue {
  readonly queue: Queue;
  private readonly connection: Redis;

  constructor(redisUrl: string, prefix: string) {
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue(GENERATION_EVENTS, { connection: this.connection, prefix: redisKeyspace(prefix), defaultJobOptions });
  }

  async publish(...events: GenerationCompleted[]): Promise<void> {
    await this.queue.addBulk(events.map((data) => ({ name: GENERATION_COMPLETED, data, opts: { jobId: data.requestId } })));
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

/** One gpuSampleOf() sample of sim-local-8b (config/models.yaml: $2.50 per GPU-hour): 2 GPUs x 5 s x 2.5 / 3600. */
export const GPU_SAMPLE_COST_USD = 0.006944444444;

/** Dollars to the 12 decimals the cost library rounds to: sums of float amounts compare exactly at that precision. */
export function usd(value: number): number {
  return Math.round(value * 1e12) / 1e12;
}

/**
 * A GPU sample that passes the contract, shaped as the GPU agent publishes it: `gpuCount` H100s
 * of `host`, serving `model`, held for the `intervalMs` ending at `sampledAtMs`.
 */
export function gpuSampleOf(fields: { host?: string; model?: string | null; sampledAtMs?: number; intervalMs?: number; gpuCount?: number } = {}): GpuSample {
  const host = fields.host ?? 'gpu-node-1';
  return gpuSample.parse({
    v: 1,
    host,
    model: fields.model === undefined ? 'sim-local-8b' : fields.model,
    sampledAtMs: fields.sampledAtMs ?? Date.now(),
    intervalMs: fields.intervalMs ?? 5000,
    gpus: Array.from({ length: fields.gpuCount ?? 2 }, (_, index) => ({
      index,
      uuid: `GPU-${host}-${index}`,
      name: 'NVIDIA H100 80GB HBM3',
      utilizationPercent: 97,
      memoryUsedBytes: 74_213 * 1_048_576,
      memoryTotalBytes: 81_559 * 1_048_576,
      temperatureCelsius: 63,
      powerWatts: 652.31,
      smClockHertz: 1_980_000_000,
      isMigEnabled: false,
      processes: [{ pid: 48_211 + index, name: '/usr/bin/python3', usedMemoryBytes: 73_690 * 1_048_576 }],
    })),
  });
}

/** Writes GPU samples to the stream the way the GPU agent does (XADD ... MAXLEN ~, one JSON field). */
export class GpuSampleStream {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = gpuSamplesStreamKey(prefix);
  }

  async publish(...samples: GpuSample[]): Promise<void> {
    for (const sample of samples) await this.addFields(GPU_SAMPLE_FIELD, JSON.stringify(sample));
  }

  /** An entry with any fields, valid or not; returns its id. */
  async addFields(...fieldsAndValues: string[]): Promise<string> {
    return (await this.redis.xadd(this.key, 'MAXLEN', '~', GPU_SAMPLES_STREAM_MAXLEN, '*', ...fieldsAndValues))!;
  }

  /** Entries of the group read and not acknowledged yet. */
  async pendingCount(group: string): Promise<number> {
    const [count] = (await this.redis.xpending(this.key, group)) as [number, ...unknown[]];
    return Number(count);
  }

  /** Consumers of the group, by name. */
  async consumers(group: string): Promise<Array<{ name: string; pending: number }>> {
    const rows = (await this.redis.xinfo('CONSUMERS', this.key, group)) as unknown[][];
    return rows.map((row) => {
      const fields = new Map<string, unknown>();
      for (let i = 0; i + 1 < row.length; i += 2) fields.set(String(row[i]), row[i + 1]);
      return { name: String(fields.get('name')), pending: Number(fields.get('pending')) };
    });
  }
}

/** Writes the request record the gateway writes before it ends a response. */
export async function writeRequestRecord(redis: Redis, prefix: string, requestId: string, fields: { userId: string; model?: string; status?: string; finishedAtMs?: number }): Promise<void> {
  const key = requestRecordKey(prefix, requestId);
  await redis.hset(key, {
    userId: fields.userId,
    model: fields.model ?? 'sim-fast',
    status: fields.status ?? 'success',
    finishedAtMs: String(fields.finishedAtMs ?? Date.now()),
  });
  await redis.expire(key, REQUEST_RECORD_TTL_SECONDS);
}

export function jsonPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** Texts the simulator answers with: a refusal (answer-text.ts) and an off-context sentence. */
export const REFUSAL_TEXT = "I'm sorry, but I can't help with that request.";
export const CONTEXT = [
  'The Rhine flows through six countries. It rises in the Swiss Alps and reaches the North Sea in the Netherlands.',
  'Cologne Cathedral stands on the bank of the Rhine and took more than six hundred years to finish.',
];
export const GROUNDED_TEXT = 'The Rhine flows through six countries. Cologne Cathedral stands on the bank of the Rhine.';
export const OFF_CONTEXT_TEXT =
  'Decode is limited by memory bandwidth and grows with the number of requests that share the batch. Continuous batching lets new requests join a running batch between decode steps.';

export interface QualityOnRedis {
  readonly redis: TestRedis;
  /** A plain client on the same Redis, for reading and seeding keys. */
  readonly client: Redis;
  /** The generation-events queue, to publish events as a gateway does. */
  readonly events: EventQueue;
  readonly quality: RunningQuality;
}

/**
 * For the enclosing describe: a private Redis, a client and the events queue on it, and one
 * quality service (`env` on top), all stopped after its tests. `beforeStart` seeds Redis first.
 */
export function useQuality(env: Record<string, string> = {}, beforeStart?: (client: Redis, prefix: string) => Promise<unknown>): QualityOnRedis {
  const running: { redis?: TestRedis; client?: Redis; events?: EventQueue; quality?: RunningQuality } = {};
  beforeAll(async () => {
    running.redis = await startRedis();
    running.client = new Redis(running.redis.url);
    running.events = new EventQueue(running.redis.url, running.redis.prefix);
    await beforeStart?.(running.client, running.redis.prefix);
    running.quality = await startQuality({ REDIS_URL: running.redis.url, QUEUE_PREFIX: running.redis.prefix, ...env });
  });
  afterAll(async () => {
    await running.quality?.close();
    await running.events?.close();
    running.client?.disconnect();
    await running.redis?.stop();
  });
  return running as QualityOnRedis;
}
