import type { GpuSampleErrorReason } from '@tokenscope/metrics';
import type { GpuStats } from '@tokenscope/queue-contracts';

/** Why a read failed, wholly or in part: a stable reason (a metric label) and text for people. */
export interface GpuReadFailure {
  reason: GpuSampleErrorReason;
  /** One line: what nvidia-smi said or what happened (never a stack trace). */
  detail: string;
}

/**
 * One read of the host's GPUs. `gpus` holds every GPU that could be read (none when the read
 * failed); `failure` says what went wrong, also when some GPUs could still be read (a GPU that fell
 * off the bus while the others answer).
 */
export interface GpuReading {
  gpus: GpuStats[];
  failure: GpuReadFailure | null;
  /** Things worth one log line that are not failures (a fallback taken). */
  notices: string[];
}

/** Reads every GPU of the host once. Implementations never throw: failures come back in the reading. */
export interface GpuReader {
  read(): Promise<GpuReading>;
  /** Stops what is running (shutdown). */
  close(): Promise<void>;
}

export const GPU_READER = Symbol('GPU_READER');
