import { requestRecordKey, type RequestRecord } from '@tokenscope/queue-contracts';
import { LuaScript, type RedisClient } from '@tokenscope/redis';

export interface RequestRecordWriterOptions {
  prefix: string;
  /** Longest wait for Redis (a claim, a record) before the request goes on without it. */
  timeoutMs: number;
  ttlSeconds: number;
  /**
   * Seconds a claimed id stays claimed before its request ends: at least as long as a request
   * may run, so that no other request can claim the id while its first owner is in flight.
   */
  claimTtlSeconds: number;
  /** Records kept in memory while Redis is unreachable; the oldest go first beyond either bound. */
  pendingLimit: number;
  pendingLimitBytes: number;
}

/** Status of a record whose request is still being served. */
const IN_PROGRESS = 'in_progress';

/**
 * The request records that votes need (`<prefix>:request:<public id>`). A caller's
 * `x-request-id` names a record only once this writer has claimed it, atomically and only if
 * no record of that name exists, so a reused id can never take over another request's record;
 * a request whose id was taken is served under the gateway's own id instead.
 *
 * The finished record is written before the response ends, so that feedback sent the moment
 * the answer arrives finds it even while the generation-events queue is behind; a slow Redis
 * delays the end of a response by at most timeoutMs, an absent one not at all. Records that
 * could not be written wait in memory (bounded in count and bytes) and are written the moment
 * Redis is ready again.
 */
export class RequestRecordWriter {
  private readonly pending = new Map<string, RequestRecord>();
  private pendingBytes = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RequestRecordWriterOptions,
  ) {
    redis.on('ready', () => void this.writePending());
  }

  /** Records waiting for Redis (for tests and diagnostics). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Claims `wantedId` (the caller's id) for a request of `owner`; resolves with the id the
   * request is to be served under: `wantedId` when it was free, else `ownId`. An unreachable or
   * slow Redis means `ownId` too: an id that cannot be claimed is not used.
   */
  async claim(wantedId: string, ownId: string, owner: { userId: string; model: string }): Promise<string> {
    if (this.redis.status !== 'ready') return ownId;
    const key = requestRecordKey(this.options.prefix, wantedId);
    const claimed = CLAIM.run(this.redis, [key], [owner.userId, owner.model, IN_PROGRESS, this.options.claimTtlSeconds]).then(
      (result) => result === 1,
      () => false,
    );
    let timer: NodeJS.Timeout | undefined;
    const isClaimed = await Promise.race([claimed, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.options.timeoutMs)))]);
    clearTimeout(timer);
    return isClaimed ? wantedId : ownId;
  }

  async write(requestId: string, fields: Omit<RequestRecord, 'finishedAtMs'>): Promise<void> {
    const record: RequestRecord = { ...fields, finishedAtMs: String(Date.now()) };
    if (this.redis.status !== 'ready') {
      this.keepForLater(requestId, record);
      return;
    }
    // a write that passes also sends what an earlier failure left waiting: on Cluster a master can
    // fail and be replaced without the client ever leaving 'ready', so 'ready' alone is not enough
    const write = this.store([[requestId, record]]).then(
      () => this.writePending(),
      () => this.keepForLater(requestId, record),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([write, new Promise((resolve) => (timer = setTimeout(resolve, this.options.timeoutMs)))]);
    clearTimeout(timer);
  }

  private keepForLater(requestId: string, record: RequestRecord): void {
    this.forget(requestId);
    this.pending.set(requestId, record);
    this.pendingBytes += recordBytes(requestId, record);
    while (this.pending.size > this.options.pendingLimit || this.pendingBytes > this.options.pendingLimitBytes) {
      this.forget(this.pending.keys().next().value!);
    }
  }

  private forget(requestId: string): void {
    const record = this.pending.get(requestId);
    if (!record) return;
    this.pending.delete(requestId);
    this.pendingBytes -= recordBytes(requestId, record);
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const records = [...this.pending];
    this.pending.clear();
    this.pendingBytes = 0;
    await this.store(records).catch(() => {
      for (const [requestId, record] of records) if (!this.pending.has(requestId)) this.keepForLater(requestId, record);
    });
  }

  /**
   * Each record by its script's SHA (EVALSHA: the body crosses the wire once per Redis process),
   * sent together: one request's record is one command, without a pipeline object per request.
   */
  private async store(records: Array<[string, RequestRecord]>): Promise<void> {
    await Promise.all(
      records.map(([requestId, record]) =>
        STORE_FINISHED.run(
          this.redis,
          [requestRecordKey(this.options.prefix, requestId)],
          [record.userId, record.model, record.status, record.finishedAtMs, this.options.ttlSeconds, IN_PROGRESS, record.traceparent ?? ''],
        ),
      ),
    );
  }
}

/** Memory a pending record holds, in bytes (UTF-16 strings plus the Map entry's overhead). */
function recordBytes(requestId: string, record: RequestRecord): number {
  return 2 * (requestId.length + record.userId.length + record.model.length + record.status.length + record.finishedAtMs.length + (record.traceparent?.length ?? 0)) + 200;
}

/** KEYS: 1 record. ARGV: 1 user, 2 model, 3 status, 4 TTL s. Returns 1 when claimed, 0 when the id is taken. */
const CLAIM = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'userId', ARGV[1], 'model', ARGV[2], 'status', ARGV[3], 'finishedAtMs', '')
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`);

/**
 * Writes a finished record where there is none, or over this request's own claim (same user,
 * still in progress); never over another user's record, nor over one already finished (the
 * quality service rebuilds a record from the event when the gateway could not write it).
 * KEYS: 1 record. ARGV: 1 user, 2 model, 3 status, 4 finished at, 5 TTL s, 6 the in-progress status,
 * 7 the generation's traceparent ('' for none).
 */
const STORE_FINISHED = new LuaScript(`
local record = redis.call('HMGET', KEYS[1], 'userId', 'status')
if record[1] and (record[1] ~= ARGV[1] or record[2] ~= ARGV[6]) then return 0 end
redis.call('HSET', KEYS[1], 'userId', ARGV[1], 'model', ARGV[2], 'status', ARGV[3], 'finishedAtMs', ARGV[4])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'traceparent', ARGV[7]) end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1`);
