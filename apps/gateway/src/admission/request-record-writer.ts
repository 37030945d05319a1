import { requestRecordKey, type RequestRecord } from '@tokenscope/queue-contracts';
import type { Redis } from 'ioredis';

export interface RequestRecordWriterOptions {
  prefix: string;
  /** Longest wait before the response ends anyway. */
  timeoutMs: number;
  ttlSeconds: number;
  /** Records kept in memory while Redis is unreachable; the oldest go first beyond it. */
  pendingLimit: number;
}

/**
 * Stores a small record of each served request before its response ends, so that feedback sent
 * the moment the answer arrives finds it even while the generation-events queue is behind.
 * Bounded by a short timeout: a slow Redis delays the end of a response by at most that much,
 * and an absent one not at all. Records that could not be written wait in memory (bounded like
 * the event buffer) and are written the moment Redis is ready again, so a vote on a request
 * served during an outage works as soon as Redis is back, not only once the quality service has
 * consumed the request's event (which also rebuilds a missing record).
 */
export class RequestRecordWriter {
  private readonly pending = new Map<string, RequestRecord>();

  constructor(
    private readonly redis: Redis,
    private readonly options: RequestRecordWriterOptions,
  ) {
    redis.on('ready', () => void this.writePending());
  }

  /** Records waiting for Redis (for tests and diagnostics). */
  get pendingCount(): number {
    return this.pending.size;
  }

  async write(requestId: string, fields: Omit<RequestRecord, 'finishedAtMs'>): Promise<void> {
    const record: RequestRecord = { ...fields, finishedAtMs: String(Date.now()) };
    if (this.redis.status !== 'ready') {
      this.keepForLater(requestId, record);
      return;
    }
    const write = this.store([[requestId, record]]).catch(() => this.keepForLater(requestId, record));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([write, new Promise((resolve) => (timer = setTimeout(resolve, this.options.timeoutMs)))]);
    clearTimeout(timer);
  }

  private keepForLater(requestId: string, record: RequestRecord): void {
    this.pending.delete(requestId);
    this.pending.set(requestId, record);
    if (this.pending.size > this.options.pendingLimit) this.pending.delete(this.pending.keys().next().value!);
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const records = [...this.pending];
    this.pending.clear();
    // a record already there is as new or newer: the quality service rebuilds missing records
    // from the events, and a retried request id may have been served again since
    await this.store(records, { onlyIfAbsent: true }).catch(() => {
      for (const [requestId, record] of records) if (!this.pending.has(requestId)) this.keepForLater(requestId, record);
    });
  }

  /**
   * One round trip, without MULTI/EXEC's two extra commands: a lost EXPIRE would only leave a
   * record longer, and needs the connection to drop between the two commands.
   */
  private async store(records: Array<[string, RequestRecord]>, { onlyIfAbsent = false } = {}): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const [requestId, record] of records) {
      const key = requestRecordKey(this.options.prefix, requestId);
      if (onlyIfAbsent) {
        // HSETNX on userId alone would leave the other fields unset for an existing record
        pipeline.eval(STORE_IF_ABSENT, 1, key, record.userId, record.model, record.status, record.finishedAtMs, this.options.ttlSeconds);
      } else {
        pipeline.hset(key, record).expire(key, this.options.ttlSeconds);
      }
    }
    const results = (await pipeline.exec()) ?? [];
    const failure = results.find(([error]) => error);
    if (failure) throw failure[0];
  }
}

const STORE_IF_ABSENT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'userId', ARGV[1], 'model', ARGV[2], 'status', ARGV[3], 'finishedAtMs', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1`;
