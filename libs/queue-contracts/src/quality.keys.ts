import { redisKeyspace } from './keyspace.keys.js';
/**
 * Keys of the quality service in Redis: the shared sliding window that every replica reads, the
 * per-request idempotency guard of the consumer, the votes, and the all-time spend total. Only the
 * quality service writes them; anything may read them. The consumer's Lua script touches several of
 * them atomically, which on Redis Cluster works because they share one hash tag (keyspace.keys.ts).
 */

/** String with a TTL: present once the generation event of `requestId` has been counted. */
export function qualityProcessedKey(prefix: string, requestId: string): string {
  return `${redisKeyspace(prefix)}:quality:done:${requestId}`;
}

/** List of the request ids in the window, oldest first (at most QUALITY_WINDOW_SIZE). */
export function qualityWindowOrderKey(prefix: string): string {
  return `${redisKeyspace(prefix)}:quality:window:order`;
}

/**
 * Hash: request id → how that generation is counted in the window, three characters:
 * refused (`1`/`0`), grounding (`g` grounded, `u` ungrounded, `n` not checked), vote (`+`, `-`, `0` none).
 */
export function qualityWindowEntriesKey(prefix: string): string {
  return `${redisKeyspace(prefix)}:quality:window:entries`;
}

/** Hash of the window's counters (fields: QUALITY_WINDOW_COUNT_FIELDS), always equal to the sums over the entries. */
export function qualityWindowCountsKey(prefix: string): string {
  return `${redisKeyspace(prefix)}:quality:window:counts`;
}

/** The counters of the window, in the order the consumer and the readers use. */
export const QUALITY_WINDOW_COUNT_FIELDS = ['generations', 'refusals', 'checked', 'ungrounded', 'votes', 'up'] as const;
export type QualityWindowCountField = (typeof QUALITY_WINDOW_COUNT_FIELDS)[number];

/** Hash: the latest vote on one request (fields: FeedbackRecord). */
export function feedbackKey(prefix: string, requestId: string): string {
  return `${redisKeyspace(prefix)}:feedback:${requestId}`;
}

/** Fields of a feedback hash (all strings on the wire). */
export interface FeedbackRecord {
  /** `1` thumbs up, `0` thumbs down: the latest vote. */
  thumbsUp: string;
  /** The latest vote's comment; absent when it had none. */
  comment?: string;
  /** Owner of the request (from its request record), not necessarily who holds the key. */
  userId: string;
  model: string;
  /** Epoch milliseconds of the first and of the latest vote. */
  firstVotedAtMs: string;
  votedAtMs: string;
  /** How many times the vote changed direction. */
  changes: string;
}

/** String (float): everyone's all-time spend in US dollars, the total that llm_cost_by_user_dollars folds into top N + other. */
export function totalSpendKey(prefix: string): string {
  return `${redisKeyspace(prefix)}:cost:total`;
}

/** String (float): what the judge detector spent on cost day `day`, in US dollars, shared by every quality replica. */
export function judgeSpendKey(prefix: string, day: string): string {
  return `${redisKeyspace(prefix)}:quality:judge-spend:${day}`;
}
