import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { currentGenerationEvent, GENERATION_EVENTS, isKnownJob, parseJob, redisKeyspace, type GenerationCompleted } from '@tokenscope/queue-contracts';
import { createRedisClient, type RedisClient } from '@tokenscope/redis';
import { extractTraceContext, tracer } from '@tokenscope/tracing';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { ZodError } from 'zod';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import { emitEvaluationEvents } from '../evaluation/evaluation-events.js';
import { ConsumerRecorder } from './consumer.recorder.js';
import { GenerationConsumer } from './generation-consumer.service.js';

/** Longest wait for jobs in flight at shutdown. */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * The BullMQ worker on `generation-events`, created with bullmq directly rather than through
 * @nestjs/bullmq's @Processor: concurrency and key prefix come from the config validated at boot,
 * the worker starts after the app is initialised and stops (waiting for jobs in flight) before
 * the shared Redis client quits, and several app instances can live in one process (the tests).
 * The processor stays thin: parse with the contract, hand over to GenerationConsumer.
 */
@Injectable()
export class GenerationEventsWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('consumer');
  private worker: Worker | undefined;
  private connection: RedisClient | undefined;
  private isFailing = false;

  constructor(
    @Inject(QUALITY_CONFIG) private readonly config: QualityConfig,
    private readonly consumer: GenerationConsumer,
    private readonly recorder: ConsumerRecorder,
  ) {}

  onApplicationBootstrap(): void {
    // BullMQ needs its own connection: blocking reads, and retries without limit while Redis is away
    this.connection = createRedisClient(this.config, { connectionName: 'tokenscope-quality-worker', role: 'queue-worker' });
    this.worker = new Worker(GENERATION_EVENTS, (job) => this.process(job), {
      connection: this.connection,
      prefix: redisKeyspace(this.config.QUEUE_PREFIX),
      concurrency: this.config.QUALITY_CONSUMER_CONCURRENCY,
    });
    this.worker.on('error', (error) => {
      if (this.isFailing) return;
      this.isFailing = true;
      this.logger.warn({ err: error.message }, 'generation events worker cannot reach redis');
    });
    this.worker.on('ready', () => {
      if (this.isFailing) this.logger.log('generation events worker connected again');
      this.isFailing = false;
    });
  }

  /**
   * Lets jobs in flight finish, but never hangs: with Redis unreachable, BullMQ's graceful close
   * waits for it forever, so the worker is then closed without waiting (an unfinished job stays in
   * Redis, is found by another replica's stalled-job check and redelivered; counting is idempotent).
   */
  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const isRedisUp = this.connection?.status === 'ready';
    const isClosed = await withTimeout(worker.close(!isRedisUp), CLOSE_TIMEOUT_MS);
    if (!isClosed) this.logger.warn({ timeoutMs: CLOSE_TIMEOUT_MS }, 'generation events worker did not stop in time');
    this.connection?.disconnect();
  }

  private async process(job: Job): Promise<void> {
    const parent = extractTraceContext(carrierOf(job.data));
    const attributes = {
      'messaging.system': 'bullmq',
      'messaging.operation.type': 'process',
      'messaging.destination.name': GENERATION_EVENTS,
      'messaging.message.id': job.id ?? '',
    };
    await tracer().startActiveSpan(`process ${GENERATION_EVENTS}`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
      try {
        const event = this.parse(job);
        span.setAttributes({ 'gen_ai.request.model': event.model, 'tokenscope.request_id': event.requestId });
        const { outcome, verdict } = await this.consumer.consume(event);
        span.setAttributes({ 'tokenscope.outcome': outcome, 'tokenscope.quality.refusal': verdict.isRefusal, 'tokenscope.quality.grounding': verdict.grounding });
        if (outcome === 'processed') emitEvaluationEvents(span, event.requestId, verdict);
      } catch (error) {
        if (!(error instanceof UnrecoverableError)) {
          this.recorder.outcome('failed');
          this.logger.warn({ job_id: job.id, attempt: job.attemptsMade + 1, err: (error as Error).message }, 'generation event failed, will be retried');
        }
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /**
   * The payload through its contract (either version, read as the current one); a job that
   * cannot pass it is counted and never retried.
   */
  private parse(job: Job): GenerationCompleted {
    try {
      if (!isKnownJob(GENERATION_EVENTS, job.name)) throw new Error(`unknown job name ${job.name.slice(0, 64)}`);
      return currentGenerationEvent(parseJob(GENERATION_EVENTS, job.name, job.data));
    } catch (error) {
      this.recorder.outcome('invalid');
      const problem = error instanceof ZodError ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (error as Error).message;
      this.logger.warn({ job_id: job.id, job_name: job.name.slice(0, 64), problem }, 'invalid generation event dropped');
      throw new UnrecoverableError(`invalid ${GENERATION_EVENTS} job: ${problem}`);
    }
  }
}

/** The trace carrier of a job, whatever shape the data has (an invalid job still joins its trace). */
function carrierOf(data: unknown): Record<string, string | undefined> {
  const trace = (data as { trace?: unknown } | null)?.trace;
  if (!trace || typeof trace !== 'object') return {};
  const { traceparent, tracestate } = trace as Record<string, unknown>;
  return {
    traceparent: typeof traceparent === 'string' ? traceparent : undefined,
    tracestate: typeof tracestate === 'string' ? tracestate : undefined,
  };
}

/** True when the promise settled within the time, false when the time ran out first. */
async function withTimeout(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
