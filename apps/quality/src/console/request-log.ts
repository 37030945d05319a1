import type { RequestEntry, VoteDirection } from '@tokenscope/console-contract';
import { feedbackKey, redisKeyspace } from '@tokenscope/queue-contracts';
import { QualityError } from '../quality.errors.js';
import { LuaScript, type RedisClient } from '@tokenscope/redis';

/** Sorted set: request id scored by its finishedAtMs (the order the console lists them in). */
export function requestLogOrderKey(prefix: string): string {
  return `${redisKeyspace(prefix)}:console:requests:order`;
}

/** Hash: request id → RequestEntry JSON. */
export function requestLogEntriesKey(prefix: string): string {
  return `${redisKeyspace(prefix)}:console:requests:entries`;
}

/** String (integer): the bytes of every JSON value in the entries hash, kept by the same script. */
export function requestLogBytesKey(prefix: string): string {
  return `${redisKeyspace(prefix)}:console:requests:bytes`;
}

/**
 * Adds one entry unless its id is already there (the first event of a request id wins, as in the
 * cost ledger), then drops the oldest entries until the list is within its count, its bytes and
 * its age. One script, so replicas writing at once can never leave the three keys disagreeing
 * or the list over its bounds. Each write usually removes at most one entry: bounded work.
 * KEYS: order, entries, bytes. ARGV: id, finishedAtMs, json, max entries, max bytes, oldest finishedAtMs kept.
 * Returns 1 when added, 0 when the id was there.
 */
const RECORD_REQUEST = new LuaScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local bytes = redis.call('INCRBY', KEYS[3], string.len(ARGV[3]))
local count = redis.call('ZCARD', KEYS[1])
local maxEntries = tonumber(ARGV[4])
local maxBytes = tonumber(ARGV[5])
local oldestKept = tonumber(ARGV[6])
while count > 0 do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if count <= maxEntries and bytes <= maxBytes and tonumber(oldest[2]) >= oldestKept then break end
  local size = redis.call('HSTRLEN', KEYS[2], oldest[1])
  redis.call('HDEL', KEYS[2], oldest[1])
  redis.call('ZREM', KEYS[1], oldest[1])
  bytes = redis.call('DECRBY', KEYS[3], size)
  count = count - 1
end
return 1
`);

/** Entries read per round trip while scanning: a few hundred KB, parsed in a few ms. */
const SCAN_CHUNK = 500;

export interface RequestLogOptions {
  prefix: string;
  maxEntries: number;
  maxBytes: number;
  maxAgeMs: number;
}

/** What the console keeps about recent requests, shared by every quality replica. */
export interface RequestLog {
  /** Keeps the entry once (a second entry with the same id is ignored); `added` or `present`. */
  record(entry: RequestEntry): Promise<'added' | 'present'>;
  /**
   * Entries newest first, finished at or after `sinceMs` (and within the kept age), those that
   * pass `accept`, at most `limit` of them.
   */
  newest(options: { sinceMs: number; limit: number; accept?: (entry: RequestEntry) => boolean }): Promise<RequestEntry[]>;
  get(requestId: string): Promise<RequestEntry | undefined>;
  votesOf(requestIds: readonly string[]): Promise<VoteDirection[]>;
  /** Entries and bytes held now. */
  size(): Promise<{ entries: number; bytes: number }>;
}

export const REQUEST_LOG = Symbol('REQUEST_LOG');

export class RedisRequestLog implements RequestLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: RequestLogOptions,
    private readonly now: () => number,
  ) {}

  async record(entry: RequestEntry): Promise<'added' | 'present'> {
    const p = this.options.prefix;
    const result = await this.call(() =>
      RECORD_REQUEST.run(
        this.redis,
        [requestLogOrderKey(p), requestLogEntriesKey(p), requestLogBytesKey(p)],
        [entry.id, entry.finishedAtMs, JSON.stringify(entry), this.options.maxEntries, this.options.maxBytes, this.oldestKeptMs()],
      ),
    );
    return result === 1 ? 'added' : 'present';
  }

  async newest({ sinceMs, limit, accept }: { sinceMs: number; limit: number; accept?: (entry: RequestEntry) => boolean }): Promise<RequestEntry[]> {
    const p = this.options.prefix;
    const floor = Math.max(sinceMs, this.oldestKeptMs());
    const found: RequestEntry[] = [];
    // chunks by rank, newest first: entries are never more than maxEntries, so this ends
    for (let offset = 0; found.length < limit; offset += SCAN_CHUNK) {
      const ids = await this.call(() => this.redis.zrevrangebyscore(requestLogOrderKey(p), '+inf', floor, 'LIMIT', offset, SCAN_CHUNK));
      if (ids.length === 0) break;
      const values = await this.call(() => this.redis.hmget(requestLogEntriesKey(p), ...ids));
      for (const value of values) {
        // trimmed between the two reads
        if (value === null) continue;
        const entry = JSON.parse(value) as RequestEntry;
        if (!accept || accept(entry)) found.push(entry);
        if (found.length >= limit) break;
      }
      if (ids.length < SCAN_CHUNK) break;
    }
    return found;
  }

  async get(requestId: string): Promise<RequestEntry | undefined> {
    const value = await this.call(() => this.redis.hget(requestLogEntriesKey(this.options.prefix), requestId));
    if (value === null) return undefined;
    const entry = JSON.parse(value) as RequestEntry;
    return entry.finishedAtMs >= this.oldestKeptMs() ? entry : undefined;
  }

  async votesOf(requestIds: readonly string[]): Promise<VoteDirection[]> {
    if (requestIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of requestIds) pipeline.hget(feedbackKey(this.options.prefix, id), 'thumbsUp');
    const results = (await this.call(() => pipeline.exec())) ?? [];
    return results.map(([error, value]) => {
      if (error) throw new QualityError('STORE_UNAVAILABLE', 'the quality store did not answer', { cause: error });
      return value === '1' ? 'up' : value === '0' ? 'down' : null;
    });
  }

  async size(): Promise<{ entries: number; bytes: number }> {
    const p = this.options.prefix;
    const [entries, bytes] = await this.call(() => Promise.all([this.redis.zcard(requestLogOrderKey(p)), this.redis.get(requestLogBytesKey(p))]));
    return { entries, bytes: Number(bytes ?? 0) };
  }

  private oldestKeptMs(): number {
    return this.now() - this.options.maxAgeMs;
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new QualityError('STORE_UNAVAILABLE', 'the console\'s request list did not answer', { cause: error });
    }
  }
}
