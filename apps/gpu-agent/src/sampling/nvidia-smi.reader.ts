import type { GpuStats } from '@tokenscope/queue-contracts';
import { CommandRunner } from './command-runner.js';
import type { GpuReader, GpuReading } from './gpu-reader.js';
import {
  GPU_QUERY_FIELDS,
  gpuQueryArgs,
  LEGACY_GPU_QUERY_FIELDS,
  NvidiaSmiCsvParser,
  processQueryArgs,
  type GpuQueryField,
} from './nvidia-smi-csv.js';
import { interpretGpuQuery, runFailure } from './nvidia-smi-outcome.js';

export interface NvidiaSmiReaderOptions {
  /** nvidia-smi to run: a path, or a name looked up on PATH. */
  command: string;
  /** Deadline of one sample; each nvidia-smi run gets it whole (the two run side by side). */
  timeoutMs: number;
  /** Also read per-process memory with `--query-compute-apps`. */
  readsProcesses: boolean;
}

/**
 * Reads the GPUs by running nvidia-smi once per sample (a fresh process each time, so a sample
 * never depends on the state of the previous one; see docs/gpu.md for the measured cost against one
 * long-lived `nvidia-smi -lms` process). The per-process query runs beside the GPU query; when it
 * fails, the sample keeps its GPUs and only loses the process list.
 */
export class NvidiaSmiReader implements GpuReader {
  private fields: readonly GpuQueryField[] = GPU_QUERY_FIELDS;

  constructor(
    private readonly options: NvidiaSmiReaderOptions,
    private readonly runner = new CommandRunner(),
    private readonly parser = new NvidiaSmiCsvParser(),
  ) {}

  async read(): Promise<GpuReading> {
    const notices: string[] = [];
    const processes = this.options.readsProcesses ? this.readProcesses() : Promise.resolve(null);
    let gpus = await this.readGpus();
    if (gpus.failure?.reason === 'unsupported_field' && this.fields !== LEGACY_GPU_QUERY_FIELDS) {
      // drivers before R450 do not know mig.mode.current; ask without it from now on
      notices.push(`nvidia-smi rejected the MIG field (${gpus.failure.detail}); reading without MIG mode from now on`);
      this.fields = LEGACY_GPU_QUERY_FIELDS;
      gpus = await this.readGpus();
    }
    const processRows = await processes;
    const withProcesses = processRows === null ? gpus.gpus : this.parser.attachProcesses(gpus.gpus, processRows);
    return { gpus: withProcesses, failure: gpus.failure, notices };
  }

  async close(): Promise<void> {
    this.runner.killAll();
  }

  private async readGpus(): Promise<{ gpus: GpuStats[]; failure: GpuReading['failure'] }> {
    const run = await this.runner.run(this.options.command, gpuQueryArgs(this.fields), this.options.timeoutMs);
    return interpretGpuQuery(run, this.parser.parseGpus(run.stdout, this.fields), this.options);
  }

  /** The compute processes, or null when they could not be read this time. */
  private async readProcesses() {
    const run = await this.runner.run(this.options.command, processQueryArgs(), this.options.timeoutMs);
    if (runFailure(run, this.options) || run.exitCode !== 0) return null;
    const parsed = this.parser.parseProcesses(run.stdout);
    return parsed.unreadable.length > 0 ? null : parsed.rows;
  }
}
