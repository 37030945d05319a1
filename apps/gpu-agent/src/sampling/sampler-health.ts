import type { GpuStats } from '@tokenscope/queue-contracts';
import type { GpuReadFailure, GpuReading } from './gpu-reader.js';

export interface GpuIdentity {
  index: number;
  uuid: string;
  name: string;
}

/**
 * Changes worth one log line. Logging changes rather than samples is what keeps a host without
 * a driver at one line, not one every 5 seconds.
 */
export type SamplerEvent =
  | { kind: 'started'; gpus: GpuIdentity[] }
  | { kind: 'failing'; failure: GpuReadFailure }
  | { kind: 'recovered'; gpuCount: number; downForMs: number }
  | { kind: 'gpus-lost'; gpus: GpuIdentity[] }
  | { kind: 'gpus-found'; gpus: GpuIdentity[] }
  | { kind: 'incomplete'; failure: GpuReadFailure };

export interface Readiness {
  isReady: boolean;
  /** Why not, or what is fine: shown by /readyz. */
  detail: string;
}

function identityOf(gpu: GpuStats): GpuIdentity {
  return { index: gpu.index, uuid: gpu.uuid, name: gpu.name };
}

/**
 * The sampler's state over time: which GPUs it saw, whether it is failing and since when. Fed one
 * reading at a time; answers readiness and says which changes happened.
 */
export class SamplerHealth {
  private knownGpus = new Map<string, GpuIdentity>();
  private hasReadGpus = false;
  private failure: GpuReadFailure | null = null;
  private failingSinceMs = 0;
  private incomplete: GpuReadFailure | null = null;
  private lastGoodMs: number | null = null;

  /** @param staleAfterMs how old the last good sample may be before the agent stops calling itself ready */
  constructor(private readonly staleAfterMs: number) {}

  /** Epoch ms of the last sample that read at least one GPU, or null. */
  get lastGoodAtMs(): number | null {
    return this.lastGoodMs;
  }

  record(reading: GpuReading, atMs: number): SamplerEvent[] {
    const events: SamplerEvent[] = [];
    if (reading.gpus.length === 0) {
      const failure = reading.failure ?? { reason: 'no_gpu', detail: 'no GPU was read' };
      // a new reason is news; the same reason with other words (a pid, a duration) is not
      if (this.failure?.reason !== failure.reason) events.push({ kind: 'failing', failure });
      if (!this.failure) this.failingSinceMs = atMs;
      this.failure = failure;
      return events;
    }

    if (this.failure) events.push({ kind: 'recovered', gpuCount: reading.gpus.length, downForMs: atMs - this.failingSinceMs });
    this.failure = null;
    const current = new Map(reading.gpus.map((gpu) => [gpu.uuid, identityOf(gpu)]));
    if (!this.hasReadGpus) {
      events.push({ kind: 'started', gpus: [...current.values()] });
    } else {
      const lost = [...this.knownGpus.values()].filter((gpu) => !current.has(gpu.uuid));
      const found = [...current.values()].filter((gpu) => !this.knownGpus.has(gpu.uuid));
      if (lost.length > 0) events.push({ kind: 'gpus-lost', gpus: lost });
      if (found.length > 0) events.push({ kind: 'gpus-found', gpus: found });
    }
    if (reading.failure && reading.failure.reason !== this.incomplete?.reason) events.push({ kind: 'incomplete', failure: reading.failure });
    this.incomplete = reading.failure;
    this.knownGpus = current;
    this.hasReadGpus = true;
    this.lastGoodMs = atMs;
    return events;
  }

  readiness(nowMs: number): Readiness {
    if (this.failure) return { isReady: false, detail: `${this.failure.reason}: ${this.failure.detail}` };
    if (this.lastGoodMs === null) return { isReady: false, detail: 'no sample yet' };
    const ageMs = nowMs - this.lastGoodMs;
    if (ageMs > this.staleAfterMs) return { isReady: false, detail: `last good sample ${(ageMs / 1000).toFixed(1)} s ago: sampling has stalled` };
    const gpus = `${this.knownGpus.size} GPU${this.knownGpus.size === 1 ? '' : 's'}`;
    return { isReady: true, detail: this.incomplete ? `${gpus}; last sample incomplete: ${this.incomplete.reason}: ${this.incomplete.detail}` : gpus };
  }
}
