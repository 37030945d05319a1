import type { z } from 'zod';
import { GENERATION_EVENTS, generationEventsJobs } from './generation-events.queue.js';

/** Every queue and the jobs it may carry: producers and consumers accept only these pairs. */
export const queueContracts = {
  [GENERATION_EVENTS]: generationEventsJobs,
} as const;

export type QueueName = keyof typeof queueContracts;
export type JobName<Q extends QueueName> = keyof (typeof queueContracts)[Q] & string;
export type JobPayload<Q extends QueueName, N extends JobName<Q>> = z.infer<(typeof queueContracts)[Q][N]>;

/**
 * Retention keeps Redis bounded: finished jobs are trimmed by age (seconds) and count, so at
 * most 1,000 completed and 1,000 failed jobs of at most ~100 KB each (the event's byte limits):
 * ~200 MB in the worst case, a few MB for typical events. Retries cover transient consumer
 * failures; the consumer is idempotent, so a retry is harmless.
 */
export const defaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 86_400, count: 1000 },
} as const;

/** Parses a job's data with its contract schema; throws a ZodError naming the bad fields. */
export function parseJob<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N, data: unknown): JobPayload<Q, N> {
  const schema = queueContracts[queue][name] as unknown as z.ZodType<JobPayload<Q, N>>;
  return schema.parse(data);
}

export function isKnownJob<Q extends QueueName>(queue: Q, name: string): name is JobName<Q> {
  return Object.hasOwn(queueContracts[queue], name);
}
