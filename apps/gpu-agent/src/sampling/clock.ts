import { performance } from 'node:perf_hooks';

/** Time as the agent sees it; tests pass their own to assert ages and durations exactly. */
export interface Clock {
  /** Wall-clock time, epoch milliseconds (sample timestamps, ages). */
  nowMs(): number;
  /** Monotonic milliseconds (durations: immune to wall-clock jumps). */
  monotonicMs(): number;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};
