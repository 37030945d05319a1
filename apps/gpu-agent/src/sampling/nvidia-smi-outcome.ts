import type { GpuSampleErrorReason } from '@tokenscope/metrics';
import type { GpuStats } from '@tokenscope/queue-contracts';
import type { CommandRun } from './command-runner.js';
import type { GpuReadFailure } from './gpu-reader.js';
import { nonBlankLines, type ParsedRows } from './nvidia-smi-csv.js';

export interface RunContext {
  /** The nvidia-smi that ran (GPU_AGENT_NVIDIA_SMI), named in failure details. */
  command: string;
  timeoutMs: number;
}

// nvidia-smi prints its errors on stdout, in these words (driver R390 to R590).
const DRIVER_TEXT = /couldn't communicate with the NVIDIA driver|Failed to initialize NVML|NVML Shared Library|Driver\/library version mismatch|driver is not loaded/i;
const NO_GPU_TEXT = /No devices were found/i;
const GPU_LOST_TEXT = /GPU is lost|fallen off the bus|Unable to determine the device handle/i;
const UNSUPPORTED_FIELD_TEXT = /is not a valid field to query/i;

// Exit statuses from `man nvidia-smi` (RETURN VALUE).
const EXIT_QUERY_UNSUCCESSFUL = 6;
const EXIT_DRIVER_NOT_LOADED = 9;
const EXIT_NVML_NOT_FOUND = 12;
const EXIT_GPU_LOST = 15;

const DETAIL_LIMIT = 300;

/**
 * Why a run produced no usable output, before its output is even looked at: nvidia-smi could not
 * start, did not answer in time, or rejected the query. Null when the run finished.
 */
export function runFailure(run: CommandRun, context: RunContext): GpuReadFailure | null {
  if (run.spawnErrorCode !== null) {
    const why = run.spawnErrorCode === 'ENOENT' ? 'not found' : run.spawnErrorCode === 'EACCES' ? 'not executable' : run.spawnErrorCode;
    return { reason: 'binary_missing', detail: `cannot run ${context.command}: ${why}` };
  }
  if (run.isBlockedByStuckChild) {
    return { reason: 'timeout', detail: `an nvidia-smi killed after a timeout has not exited (the driver may be wedged); not starting another` };
  }
  if (run.isTimedOut) {
    return { reason: 'timeout', detail: `${context.command} did not answer within ${context.timeoutMs} ms and was killed` };
  }
  const unsupported = firstLineMatching(`${run.stdout}\n${run.stderr}`, UNSUPPORTED_FIELD_TEXT);
  if (unsupported) return { reason: 'unsupported_field', detail: withExit(unsupported, run.exitCode) };
  return null;
}

/**
 * What a `--query-gpu` run means: the GPUs it read and, if something went wrong, why. A run that
 * read some GPUs but not all (one fell off the bus) keeps the GPUs it read and reports the failure.
 */
export function interpretGpuQuery(run: CommandRun, parsed: ParsedRows<GpuStats>, context: RunContext): { gpus: GpuStats[]; failure: GpuReadFailure | null } {
  const early = runFailure(run, context);
  if (early) return { gpus: [], failure: early };
  const text = `${run.stdout}\n${run.stderr}`;
  const message = parsed.unreadable[0] ?? firstLine(run.stderr);
  if (parsed.rows.length === 0) {
    if (run.exitCode === 0 && message === null) return { gpus: [], failure: { reason: 'no_gpu', detail: `${context.command} listed no GPU` } };
    const reason = reasonOf(text, run.exitCode) ?? (run.exitCode === 0 ? 'unparsable' : 'command_failed');
    return { gpus: [], failure: { reason, detail: withExit(message ?? 'no output', run.exitCode) } };
  }
  if (run.exitCode === 0 && parsed.unreadable.length === 0) return { gpus: parsed.rows, failure: null };
  const reason: GpuSampleErrorReason =
    GPU_LOST_TEXT.test(text) || run.exitCode === EXIT_GPU_LOST ? 'gpu_lost' : run.exitCode !== 0 ? 'command_failed' : 'unparsable';
  return { gpus: parsed.rows, failure: { reason, detail: withExit(message ?? 'incomplete output', run.exitCode) } };
}

function reasonOf(text: string, exitCode: number | null): GpuSampleErrorReason | null {
  if (DRIVER_TEXT.test(text) || exitCode === EXIT_DRIVER_NOT_LOADED || exitCode === EXIT_NVML_NOT_FOUND) return 'driver_unavailable';
  if (NO_GPU_TEXT.test(text) || exitCode === EXIT_QUERY_UNSUCCESSFUL) return 'no_gpu';
  if (GPU_LOST_TEXT.test(text) || exitCode === EXIT_GPU_LOST) return 'gpu_lost';
  return null;
}

function withExit(message: string, exitCode: number | null): string {
  const suffix = exitCode === null ? ' (killed)' : exitCode === 0 ? '' : ` (exit ${exitCode})`;
  return `${message.slice(0, DETAIL_LIMIT)}${suffix}`;
}

function firstLine(text: string): string | null {
  for (const line of nonBlankLines(text)) return line;
  return null;
}

function firstLineMatching(text: string, pattern: RegExp): string | null {
  for (const line of nonBlankLines(text)) if (pattern.test(line)) return line;
  return null;
}
