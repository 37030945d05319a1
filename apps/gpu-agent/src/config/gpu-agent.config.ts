import { commonConfig, envPort, loadConfigOrExit } from '@tokenscope/config';
import { z } from 'zod';

export const gpuAgentConfigSchema = z.object({
  ...commonConfig,
  GPU_AGENT_PORT: envPort(9400, "port of the GPU metrics exporter (dcgm-exporter's port)"),
  GPU_AGENT_HOST: z.string().default('0.0.0.0').describe('interface the GPU agent listens on'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/).default('tokenscope').describe('key prefix of queues and records in Redis'),
});

export type GpuAgentConfig = z.infer<typeof gpuAgentConfigSchema>;

export const GPU_AGENT_CONFIG = Symbol('GPU_AGENT_CONFIG');

export function loadGpuAgentConfig(env: Record<string, string | undefined> = process.env): GpuAgentConfig {
  return loadConfigOrExit(gpuAgentConfigSchema, env, 'gpu-agent');
}
