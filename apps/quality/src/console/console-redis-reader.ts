import type { GpuReading } from '@tokenscope/console-contract';
import { gpuLatestKeyPattern, parseGpuSnapshot, userSpendByDayKey } from '@tokenscope/queue-contracts';
import { QualityError } from '../quality.errors.js';
import { masterNodes, type RedisClient } from '@tokenscope/redis';

/** GPUs shown at most: the agents' latest snapshots are one key per GPU. */
const GPU_LIMIT = 256;

/** Reads, for the console, what other parts of the system already keep in Redis. */
export class ConsoleRedisReader {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /**
   * The latest snapshot of every GPU whose agent still reports (the keys expire a few intervals
   * after an agent stops), sorted by host then uuid. A value that does not fit the contract is skipped.
   */
  async gpus(): Promise<GpuReading[]> {
    const keys = new Set<string>();
    // SCAN sees one node's keys: on Cluster the keys share one hash tag, so one master has them all
    // (asking each master keeps this right while a slot migrates)
    for (const node of masterNodes(this.redis)) {
      let cursor = '0';
      do {
        const [next, batch] = await this.call(() => node.scan(cursor, 'MATCH', gpuLatestKeyPattern(this.prefix), 'COUNT', 200));
        for (const key of batch) if (keys.size < GPU_LIMIT) keys.add(key);
        cursor = next;
      } while (cursor !== '0' && keys.size < GPU_LIMIT);
    }
    if (keys.size === 0) return [];
    const values = await this.call(() => this.redis.mget(...keys));
    const readings: GpuReading[] = [];
    for (const value of values) {
      if (value === null) continue;
      try {
        const snapshot = parseGpuSnapshot(value);
        readings.push({
          host: snapshot.host,
          uuid: snapshot.gpu.uuid,
          name: snapshot.gpu.name,
          model: snapshot.model,
          utilizationPercent: snapshot.gpu.utilizationPercent,
          memoryUsedBytes: snapshot.gpu.memoryUsedBytes,
          memoryTotalBytes: snapshot.gpu.memoryTotalBytes,
          sampledAtMs: snapshot.sampledAtMs,
        });
      } catch {
        // an agent of another version: its GPUs are left out rather than the whole overview failing
      }
    }
    return readings.sort((a, b) => a.host.localeCompare(b.host) || a.uuid.localeCompare(b.uuid));
  }

  /** The highest spenders of one cost day (YYYY-MM-DD), highest first, in US dollars. */
  async topSpendersOn(day: string, count: number): Promise<Array<{ user: string; spendUsd: number }>> {
    const ranked = await this.call(() => this.redis.zrevrange(userSpendByDayKey(this.prefix, day), 0, count - 1, 'WITHSCORES'));
    const top: Array<{ user: string; spendUsd: number }> = [];
    for (let i = 0; i + 1 < ranked.length; i += 2) top.push({ user: ranked[i]!, spendUsd: Number(ranked[i + 1]) });
    return top;
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new QualityError('STORE_UNAVAILABLE', 'the quality store did not answer', { cause: error });
    }
  }
}
