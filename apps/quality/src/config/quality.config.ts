import { commonConfig, costTimeZone, envPort, loadConfigOrExit } from '@tokenscope/config';
import { z } from 'zod';

export const qualityConfigSchema = z.object({
  ...commonConfig,
  QUALITY_PORT: envPort(8001, 'port of the feedback and quality API'),
  QUALITY_HOST: z.string().default('0.0.0.0').describe('interface the quality service listens on'),
  COST_TIMEZONE: costTimeZone,
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/).default('tokenscope').describe('key prefix of queues and records in Redis'),
});

export type QualityConfig = z.infer<typeof qualityConfigSchema>;

export const QUALITY_CONFIG = Symbol('QUALITY_CONFIG');

export function loadQualityConfig(env: Record<string, string | undefined> = process.env): QualityConfig {
  return loadConfigOrExit(qualityConfigSchema, env, 'quality');
}
