import { createHash } from 'node:crypto';
import { redisKeyspace } from './keyspace.keys.js';

/**
 * Keys of the limits every gateway replica shares: rate limits per API key or user, the daily
 * budget's running spend and reservations per user, the simulator's fault settings. Only the
 * gateway writes them.
 *
 * The rate-limit and budget keys carry their own hash tag (`{…}`, one per key or user) instead of
 * the deployment's (redisKeyspace), so that on Redis Cluster each user's limits live on the shard
 * that slot belongs to: the scripts that update them touch one key each, and the per-request
 * admission load spreads over every shard instead of landing on the one master that holds the rest
 * of the deployment's keys.
 */

/** A user id as it may appear inside a key and its hash tag: 16 hex digits of its SHA-256 (ids may hold `{`, `}` or `:`). */
export function userTag(userId: string): string {
  return createHash('sha256').update(userId, 'utf8').digest('hex').slice(0, 16);
}

/**
 * Hash: the token buckets of one API key (`key:<key id>`) or, without API keys, one user
 * (`user:<userTag>`). Fields `rq`/`rq_at` (requests left, ms of the last update) and `tk`/`tk_at`
 * (tokens); a bucket left alone refills within the minute, so the key expires after 60 s.
 */
export function rateLimitKey(prefix: string, subject: RateLimitSubject): string {
  const tag = subject.kind === 'key' ? `key:${subject.keyId}` : `user:${userTag(subject.userId)}`;
  return `${prefix}:ratelimit:{${tag}}`;
}

export type RateLimitSubject = { kind: 'key'; keyId: string } | { kind: 'user'; userId: string };

/**
 * Hash: one user's budget on one cost day, in nano-dollars (integers, so that reserving and
 * settling many requests adds up exactly): `spent` (settled cost), `reserved` (the most the
 * requests in flight may still cost), `user` (the user id, for whoever reads it). Expires with the
 * cost ledger's day keys.
 */
export function budgetKey(prefix: string, day: string, userId: string): string {
  return `${prefix}:budget:${day}:{user:${userTag(userId)}}`;
}

/**
 * Hash: `<fault>:<model>` (e.g. `refusal_rate:sim-fast`) → the rate an operator set at runtime,
 * which every replica applies. One field per rate, so that changes of different rates made on
 * different replicas at once both stand. Kept until changed again (GET /admin/simulator/faults shows them).
 */
export function simulatorFaultsKey(prefix: string): string {
  return `${redisKeyspace(prefix)}:simulator:faults`;
}
