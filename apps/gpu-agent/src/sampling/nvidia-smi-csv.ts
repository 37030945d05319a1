import type { GpuProcess, GpuStats } from '@tokenscope/queue-contracts';

/**
 * The `--query-gpu` fields the agent reads, in the order nvidia-smi prints them. `name` comes last
 * because nvidia-smi does not quote CSV: whatever follows the last expected comma is the name.
 * `clocks.sm` is the long-standing alias of `clocks.current.sm`.
 */
export const GPU_QUERY_FIELDS = [
  'index',
  'uuid',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
  'clocks.sm',
  'mig.mode.current',
  'name',
] as const;

export type GpuQueryField = (typeof GPU_QUERY_FIELDS)[number];

/** Drivers older than R450 (2020) do not know `mig.mode.current`; the reader falls back to these. */
export const LEGACY_GPU_QUERY_FIELDS: readonly GpuQueryField[] = GPU_QUERY_FIELDS.filter((field) => field !== 'mig.mode.current');

/** `--query-compute-apps` fields; `process_name` last for the same reason as `name` above. */
export const PROCESS_QUERY_FIELDS = ['gpu_uuid', 'pid', 'used_gpu_memory', 'process_name'] as const;

export function gpuQueryArgs(fields: readonly GpuQueryField[]): string[] {
  return [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits'];
}

export function processQueryArgs(): string[] {
  return [`--query-compute-apps=${PROCESS_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
}

/** A compute process and the GPU it runs on. */
export interface ProcessRow extends GpuProcess {
  gpuUuid: string;
}

export interface ParsedRows<T> {
  rows: T[];
  /** The first lines that are not rows of the query (error text nvidia-smi mixes into stdout, or garbage); empty when every line was a row. */
  unreadable: string[];
}

const MIB_BYTES = 1_048_576;
const MHZ_HERTZ = 1_000_000;
const NUMBER = /^-?\d+(?:\.\d+)?$/;
const ID = /^[A-Za-z0-9._:/-]{1,128}$/;
const NAME_LIMIT = 128;
const PROCESS_NAME_LIMIT = 256;
const PROCESSES_PER_GPU_LIMIT = 256;
// far above any host (16 GPUs, a few thousand processes); more rows than this make the output unreadable
const GPU_ROWS_LIMIT = 1024;
const PROCESS_ROWS_LIMIT = 65_536;
/** Unreadable lines kept for the log: the first says what went wrong, the rest only cost memory. */
const UNREADABLE_KEPT = 8;

/**
 * Parses what `nvidia-smi --format=csv,noheader,nounits` prints into GPU stats in SI units:
 * memory MiB -> bytes (x 1,048,576), clocks MHz -> Hz (x 1,000,000), power stays in watts.
 * A value nvidia-smi cannot give is printed in brackets (`[N/A]`, `[Not Supported]`,
 * `[Unknown Error]`, `[Requested functionality has been deprecated]`) and becomes null.
 */
export class NvidiaSmiCsvParser {
  parseGpus(stdout: string, fields: readonly GpuQueryField[] = GPU_QUERY_FIELDS): ParsedRows<GpuStats> {
    const rows: GpuStats[] = [];
    const unreadable: string[] = [];
    for (const line of nonBlankLines(stdout, GPU_ROWS_LIMIT)) {
      const cells = splitRow(line, fields.length);
      const gpu = cells ? this.toGpu(Object.fromEntries(fields.map((field, i) => [field, cells[i]!])) as Record<GpuQueryField, string>) : null;
      if (gpu) rows.push(gpu);
      else if (unreadable.length < UNREADABLE_KEPT) unreadable.push(line);
    }
    return { rows, unreadable };
  }

  parseProcesses(stdout: string): ParsedRows<ProcessRow> {
    const rows: ProcessRow[] = [];
    const unreadable: string[] = [];
    for (const line of nonBlankLines(stdout, PROCESS_ROWS_LIMIT)) {
      const cells = splitRow(line, PROCESS_QUERY_FIELDS.length);
      const pid = cells ? integerOf(cells[1]!) : null;
      if (!cells || !ID.test(cells[0]!) || pid === null || pid < 0) {
        if (unreadable.length < UNREADABLE_KEPT) unreadable.push(line);
        continue;
      }
      const usedMib = numberOf(cells[2]!);
      rows.push({
        gpuUuid: cells[0]!,
        pid,
        name: cells[3]!.slice(0, PROCESS_NAME_LIMIT),
        usedMemoryBytes: usedMib === null ? null : Math.round(usedMib * MIB_BYTES),
      });
    }
    return { rows, unreadable };
  }

  /** Puts each process under its GPU; GPUs without one get `[]`, processes of unknown GPUs are dropped. */
  attachProcesses(gpus: readonly GpuStats[], processes: readonly ProcessRow[]): GpuStats[] {
    const byGpu = new Map<string, GpuProcess[]>(gpus.map((gpu) => [gpu.uuid, []]));
    for (const { gpuUuid, ...process } of processes) {
      const list = byGpu.get(gpuUuid);
      if (list && list.length < PROCESSES_PER_GPU_LIMIT) list.push(process);
    }
    return gpus.map((gpu) => ({ ...gpu, processes: byGpu.get(gpu.uuid) ?? [] }));
  }

  private toGpu(cell: Record<GpuQueryField, string>): GpuStats | null {
    const index = integerOf(cell.index);
    if (index === null || index < 0 || !ID.test(cell.uuid) || cell.name.length === 0 || isMissing(cell.name)) return null;
    const memoryUsedMib = numberOf(cell['memory.used']);
    const memoryTotalMib = numberOf(cell['memory.total']);
    const smClockMhz = numberOf(cell['clocks.sm']);
    const power = numberOf(cell['power.draw']);
    return {
      index,
      uuid: cell.uuid,
      name: cell.name.slice(0, NAME_LIMIT),
      utilizationPercent: numberOf(cell['utilization.gpu']),
      memoryUsedBytes: memoryUsedMib === null ? null : Math.round(memoryUsedMib * MIB_BYTES),
      memoryTotalBytes: memoryTotalMib === null ? null : Math.round(memoryTotalMib * MIB_BYTES),
      temperatureCelsius: numberOf(cell['temperature.gpu']),
      powerWatts: power === null || power < 0 ? null : power,
      smClockHertz: smClockMhz === null ? null : Math.round(smClockMhz * MHZ_HERTZ),
      // absent from LEGACY_GPU_QUERY_FIELDS: those drivers predate MIG
      isMigEnabled: cell['mig.mode.current'] === 'Enabled' ? true : cell['mig.mode.current'] === 'Disabled' ? false : null,
      processes: null,
    };
  }
}

/**
 * The trimmed non-blank lines of a text, one at a time, and at most `limit` of them (then one
 * last marker line): output can be a megabyte of blank lines or of rows, and splitting it all at
 * once held the event loop for 170 ms.
 */
export function* nonBlankLines(text: string, limit = Number.POSITIVE_INFINITY): Generator<string> {
  let count = 0;
  for (let start = 0; start < text.length; ) {
    // a run of blank lines is skipped without making a string of each
    const code = text.charCodeAt(start);
    if (code === 0x0a || code === 0x0d || code === 0x20 || code === 0x09) {
      start++;
      continue;
    }
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line.length === 0) continue;
    if (++count > limit) {
      yield `(more than ${limit} lines)`;
      return;
    }
    yield line;
  }
}

/**
 * Splits a row into exactly `count` cells, or null when it has fewer. nvidia-smi separates
 * values with ", " and never quotes, so extra commas can only belong to the last (free-text) cell.
 */
function splitRow(line: string, count: number): string[] | null {
  const parts = line.split(',');
  if (parts.length < count) return null;
  const cells = parts.slice(0, count - 1).map((part) => part.trim());
  cells.push(parts.slice(count - 1).join(',').trim());
  return cells;
}

function isMissing(value: string): boolean {
  return (value.startsWith('[') && value.endsWith(']')) || value === 'N/A';
}

function numberOf(value: string): number | null {
  if (isMissing(value) || !NUMBER.test(value)) return null;
  return Number(value);
}

function integerOf(value: string): number | null {
  const number = numberOf(value);
  return number !== null && Number.isInteger(number) ? number : null;
}
