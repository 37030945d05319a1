import { redisKeyspace } from './keyspace.keys.js';
/**
 * The cost ledger in Redis, written by the quality service as it consumes generation events and
 * read by the gateway to enforce daily budgets. Amounts are US dollars. `day` is the cost day
 * (`YYYY-MM-DD` in COST_TIMEZONE, from libs/cost's costDayOf), so a day's keys stop growing at
 * local midnight and expire a week later.
 */
export const COST_LEDGER_DAY_TTL_SECONDS = 8 * 86_400;

/** Sorted set: member = user id, score = that user's spend on `day`. The gateway reads it with ZSCORE. */
export function userSpendByDayKey(prefix: string, day: string): string {
  return `${redisKeyspace(prefix)}:cost:user-day:${day}`;
}

/** String (float): everyone's spend on `day`. */
export function totalSpendByDayKey(prefix: string, day: string): string {
  return `${redisKeyspace(prefix)}:cost:total-day:${day}`;
}

/** Sorted set: member = user id, score = all-time spend. */
export function userSpendKey(prefix: string): string {
  return `${redisKeyspace(prefix)}:cost:user`;
}

/** Hash: field = model, value = all-time spend. */
export function modelSpendKey(prefix: string): string {
  return `${redisKeyspace(prefix)}:cost:model`;
}

/**
 * String with a TTL: present once the GPU sample of `host` taken at `sampledAtMs` (epoch ms) has
 * been booked into the ledger as GPU-time cost; the samples stream is at-least-once, so this is
 * what keeps a sample read twice from being booked twice.
 */
export function gpuSampleBookedKey(prefix: string, host: string, sampledAtMs: number): string {
  return `${redisKeyspace(prefix)}:cost:gpu-sample:${host}:${sampledAtMs}`;
}
