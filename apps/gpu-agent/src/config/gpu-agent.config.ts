import { hostname } from 'node:os';
import { commonConfig, envBoolean, envInt, envPort, loadConfigOrExit, metricsAccessConfig, redisTopologyCheck } from '@tokenscope/config';
import { GPU_SAMPLES_STREAM_MAXLEN } from '@tokenscope/queue-contracts';
import { z } from 'zod';

export const gpuAgentConfigSchema = z.object({
  ...commonConfig,
  ...metricsAccessConfig,
  GPU_AGENT_PORT: envPort(9400, "port of the GPU metrics exporter (dcgm-exporter's port)"),
  GPU_AGENT_HOST: z.string().default('0.0.0.0').describe('interface the GPU agent listens on'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/).default('tokenscope').describe('key prefix of queues and records in Redis'),
  GPU_AGENT_NVIDIA_SMI: z.string().min(1).default('nvidia-smi').describe('nvidia-smi to run: a path, or a name looked up on PATH'),
  GPU_AGENT_INTERVAL_MS: envInt(5000, 'how often the GPUs are sampled', { min: 100, max: 3_600_000 }),
  GPU_AGENT_TIMEOUT_MS: envInt(10_000, 'a sample taking longer is a timeout: nvidia-smi is killed and the error counted', {
    min: 100,
    max: 600_000,
  }),
  GPU_AGENT_HOSTNAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,253}$/, 'expected a host name (letters, digits, . _ -)')
    // zod does not validate defaults: make the OS name fit the pattern rather than fail later
    .default(hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 253) || 'localhost')
    .describe('host name on every GPU series (label Hostname, as dcgm-exporter) and in published samples (default: the OS host name)'),
  GPU_AGENT_MODEL: z
    .string()
    .regex(/^[A-Za-z0-9._:/-]{1,128}$/, 'model names use letters, digits and . _ : / -')
    .optional()
    .describe("the served model this host's GPUs run (a name from MODELS_FILE), so GPU time can be priced; unset: samples carry no model"),
  GPU_AGENT_PROCESSES: envBoolean(true, 'also read per-process GPU memory each sample (nvidia-smi --query-compute-apps, a second run)'),
  GPU_AGENT_PUBLISH_BUFFER: envInt(720, 'samples held in memory while Redis is unreachable (720 = 1 h at 5 s); older ones are dropped and counted', {
    min: 1,
  }),
  GPU_AGENT_STREAM_MAXLEN: envInt(GPU_SAMPLES_STREAM_MAXLEN, 'approximate length the gpu-samples stream in Redis is trimmed to', { min: 100 }),
}).superRefine(redisTopologyCheck);

export type GpuAgentConfig = z.infer<typeof gpuAgentConfigSchema>;

export const GPU_AGENT_CONFIG = Symbol('GPU_AGENT_CONFIG');

export function loadGpuAgentConfig(env: Record<string, string | undefined> = process.env): GpuAgentConfig {
  return loadConfigOrExit(gpuAgentConfigSchema, env, 'gpu-agent');
}
