import { requestRecordKey } from '@tokenscope/queue-contracts';
import type { Redis } from 'ioredis';

/**
 * Stores a small record of each served request before its response ends, so that feedback sent
 * the moment the answer arrives finds it even while the generation-events queue is behind.
 * Bounded by a short timeout: a slow Redis delays the end of a response by at most that much,
 * and an absent one not at all (feedback for that request will then wait for its event).
 */
export class RequestRecordWriter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly timeoutMs: number,
    private readonly ttlSeconds: number,
  ) {}

  async write(requestId: string, fields: { userId: string; model: string; status: string }): Promise<void> {
    if (this.redis.status !== 'ready') return;
    const key = requestRecordKey(this.prefix, requestId);
    // a plain pipeline: one round trip without MULTI/EXEC's two extra commands; a lost EXPIRE
    // would only leave a record longer, which the next write's EXPIRE does not fix, so it is rare
    // enough to accept (it needs the connection to drop between the two commands)
    const write = this.redis
      .pipeline()
      .hset(key, { userId: fields.userId, model: fields.model, status: fields.status, finishedAtMs: String(Date.now()) })
      .expire(key, this.ttlSeconds)
      .exec()
      .catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([write, new Promise((resolve) => (timer = setTimeout(resolve, this.timeoutMs)))]);
    clearTimeout(timer);
  }
}
