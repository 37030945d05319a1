import { redisKeyspace } from './keyspace.keys.js';
import { z } from 'zod';

/**
 * GPU samples travel through Redis in two shapes, both written by the GPU agent:
 *  - a Redis Stream, `<prefix>:gpu-samples`, one entry per sample (all GPUs of one host), trimmed
 *    with `XADD ... MAXLEN ~ N`: the quality service reads it through a consumer group
 *    (XREADGROUP/XACK), so its replicas share the samples and one that was down catches up;
 *  - the latest snapshot of each GPU, `<prefix>:gpu-latest:<host>:<gpu uuid>`, with a TTL of a
 *    few sampling intervals: a GPU (or a whole agent) that stops reporting disappears by itself.
 *
 * Wire names: renaming one strands consumers' positions, so treat a change as a migration.
 */
export const GPU_SAMPLES = 'gpu-samples';

/** The stream entry field that holds the sample's JSON (one field per entry). */
export const GPU_SAMPLE_FIELD = 'sample';

/** Default approximate length the stream is trimmed to (about 14 h of one host sampled every 5 s). */
export const GPU_SAMPLES_STREAM_MAXLEN = 10_000;

/** Host names and GPU UUIDs become parts of Redis keys and label values: a closed character set. */
const KEY_PART = /^[A-Za-z0-9._:/-]{1,253}$/;

export function gpuSamplesStreamKey(prefix: string): string {
  return `${redisKeyspace(prefix)}:${GPU_SAMPLES}`;
}

export function gpuLatestKey(prefix: string, host: string, gpuUuid: string): string {
  return `${redisKeyspace(prefix)}:gpu-latest:${host}:${gpuUuid}`;
}

/** Pattern matching every latest-snapshot key of a host (or of all hosts with `*`), for SCAN. */
export function gpuLatestKeyPattern(prefix: string, host = '*'): string {
  return `${redisKeyspace(prefix)}:gpu-latest:${host}:*`;
}

/**
 * TTL of a latest-snapshot key, in seconds: three sampling intervals, at least 15 s, so one late
 * or failed sample does not make a GPU vanish but a stopped agent's GPUs do.
 */
export function gpuLatestTtlSeconds(intervalMs: number): number {
  return Math.max(15, Math.ceil((3 * intervalMs) / 1000));
}

/** One compute process holding memory on a GPU (`nvidia-smi --query-compute-apps`). */
export const gpuProcess = z
  .object({
    pid: z.number().int().min(0),
    /** Executable path as nvidia-smi reports it (cut to 256 characters). */
    name: z.string().max(256),
    /** Framebuffer memory the process holds, bytes; null when the driver does not say. */
    usedMemoryBytes: z.number().int().min(0).nullable(),
  })
  .strict();

export type GpuProcess = z.infer<typeof gpuProcess>;

/**
 * One GPU at one instant. A null number means the driver reported no value (`[N/A]`,
 * `[Not Supported]`): for example utilization while MIG is enabled, or power on many laptop GPUs.
 */
export const gpuStats = z
  .object({
    /** nvidia-smi's index: can change across reboots, so `uuid` is the identity. */
    index: z.number().int().min(0),
    uuid: z.string().regex(KEY_PART),
    name: z.string().min(1).max(128),
    utilizationPercent: z.number().min(0).max(100).nullable(),
    memoryUsedBytes: z.number().int().min(0).nullable(),
    memoryTotalBytes: z.number().int().min(0).nullable(),
    temperatureCelsius: z.number().nullable(),
    powerWatts: z.number().min(0).nullable(),
    smClockHertz: z.number().int().min(0).nullable(),
    /** MIG mode of the physical GPU; null when the GPU or driver has no MIG. */
    isMigEnabled: z.boolean().nullable(),
    /** Compute processes on this GPU; null when they could not be read this time. */
    processes: z.array(gpuProcess).max(256).nullable(),
  })
  .strict();

export type GpuStats = z.infer<typeof gpuStats>;

const sampleHeader = {
  v: z.literal(1),
  /** Host the GPUs are in (the `Hostname` label of the agent's metrics). */
  host: z.string().regex(KEY_PART),
  /** Served model these GPUs run (GPU_AGENT_MODEL), for GPU-time cost; null when not configured. */
  model: z.string().min(1).max(128).nullable(),
  /** When the sample was taken, epoch milliseconds. */
  sampledAtMs: z.number().int().min(0),
  /** The agent's sampling interval, milliseconds: the span of GPU time one sample stands for. */
  intervalMs: z.number().int().min(1),
};

/** Every GPU of one host at one instant: one stream entry. */
export const gpuSample = z
  .object({ ...sampleHeader, gpus: z.array(gpuStats).min(1).max(64) })
  .strict();

export type GpuSample = z.infer<typeof gpuSample>;

/** One GPU's latest state: the value of its latest-snapshot key. */
export const gpuSnapshot = z
  .object({ ...sampleHeader, gpu: gpuStats })
  .strict();

export type GpuSnapshot = z.infer<typeof gpuSnapshot>;

/** Parses a stream entry's JSON with the contract; throws (SyntaxError or ZodError) when it does not fit. */
export function parseGpuSample(json: string): GpuSample {
  return gpuSample.parse(JSON.parse(json));
}

/** Parses a latest-snapshot value with the contract; throws when it does not fit. */
export function parseGpuSnapshot(json: string): GpuSnapshot {
  return gpuSnapshot.parse(JSON.parse(json));
}

/** The snapshots a sample stands for, one per GPU. */
export function snapshotsOf(sample: GpuSample): GpuSnapshot[] {
  const { gpus, ...header } = sample;
  return gpus.map((gpu) => ({ ...header, gpu }));
}
