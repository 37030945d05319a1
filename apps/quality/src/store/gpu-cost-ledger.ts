import { COST_LEDGER_DAY_TTL_SECONDS, gpuSampleBookedKey, modelSpendKey, totalSpendByDayKey } from '@tokenscope/queue-contracts';
import { QualityError } from '../quality.errors.js';
import { BOOK_GPU_SAMPLE } from './quality-scripts.js';
import type { RedisClient } from '@tokenscope/redis';

/** The GPU-time cost of one GPU sample, as the ledger keeps it. */
export interface GpuCostBooking {
  /** With `sampledAtMs`, the sample's identity (the guard's key). */
  host: string;
  sampledAtMs: number;
  model: string;
  costUsd: number;
  /** Cost day (YYYY-MM-DD in COST_TIMEZONE) of `sampledAtMs`. */
  costDay: string;
}

/** Where GPU-time cost is booked: the same cost ledger the generation events feed. */
export interface GpuCostLedger {
  /** Books a sample's cost once; `duplicate` when the same (host, sampledAtMs) was booked before. */
  book(booking: GpuCostBooking): Promise<'booked' | 'duplicate'>;
}

export const GPU_COST_LEDGER = Symbol('GPU_COST_LEDGER');

export interface RedisGpuCostLedgerOptions {
  prefix: string;
  dedupTtlSeconds: number;
}

/** Redis implementation: one Lua script per sample (guard + model spend + day total, atomic). */
export class RedisGpuCostLedger implements GpuCostLedger {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisGpuCostLedgerOptions,
  ) {}

  async book(booking: GpuCostBooking): Promise<'booked' | 'duplicate'> {
    const p = this.options.prefix;
    try {
      const result = await BOOK_GPU_SAMPLE.run(
        this.redis,
        [gpuSampleBookedKey(p, booking.host, booking.sampledAtMs), modelSpendKey(p), totalSpendByDayKey(p, booking.costDay)],
        [booking.model, String(booking.costUsd), this.options.dedupTtlSeconds, COST_LEDGER_DAY_TTL_SECONDS],
      );
      return result === 1 ? 'booked' : 'duplicate';
    } catch (error) {
      throw new QualityError('STORE_UNAVAILABLE', 'the quality store did not answer', { cause: error });
    }
  }
}
