import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PriceTable, type ModelPricing } from '@tokenscope/cost';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const faultRate = z.number().min(0).max(1).default(0);

/** Fault injection for a simulated model: each rate is a probability per request. */
const simulatorFaults = z
  .object({
    server_error_rate: faultRate.describe('answer 500 before any token'),
    rate_limit_rate: faultRate.describe('answer 429 before any token'),
    timeout_rate: faultRate.describe('hang without a token until the client or the gateway gives up'),
    cut_stream_rate: faultRate.describe('stop the stream half-way without a finish'),
    refusal_rate: faultRate.describe('answer with a refusal'),
    off_context_rate: faultRate.describe('answer with text unrelated to the given context'),
  })
  .strict()
  .default({
    server_error_rate: 0,
    rate_limit_rate: 0,
    timeout_rate: 0,
    cut_stream_rate: 0,
    refusal_rate: 0,
    off_context_rate: 0,
  });

/** The latency model of a simulated model (see the simulator's README for the formula). */
const simulatorProfile = z
  .object({
    ttft_base_ms: z.number().min(0).default(60),
    prefill_ms_per_token: z.number().min(0).default(0.05),
    inter_token_ms: z.number().min(0).default(10),
    spread: z.number().min(0).max(1).default(0.1),
    concurrency_slowdown: z.number().min(0).default(0.01),
    natural_length_tokens: z.tuple([z.number().int().min(1), z.number().int().min(1)]).default([40, 160]),
    faults: simulatorFaults,
  })
  .strict();

const modelSpec = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._:/-]{1,128}$/, 'model names use letters, digits and . _ : / -'),
    backend: z.enum(['simulator', 'openai']).optional(),
    upstream_url: z.url().optional(),
    upstream_model: z.string().min(1).optional(),
    price: z
      .object({
        input_per_1k_usd: z.number().min(0),
        output_per_1k_usd: z.number().min(0),
      })
      .strict()
      .optional(),
    gpu_hourly_usd: z.number().min(0).optional(),
    max_tokens_limit: z.number().int().min(1).default(4096),
    simulator: simulatorProfile.optional(),
  })
  .strict();

export const modelsFileSchema = z
  .object({ models: z.array(modelSpec).min(1) })
  .strict()
  .refine((file) => new Set(file.models.map((m) => m.name)).size === file.models.length, {
    message: 'model names must be unique',
    path: ['models'],
  });

export type ModelsFile = z.infer<typeof modelsFileSchema>;
export type ModelSpec = ModelsFile['models'][number];
export type SimulatorProfile = z.infer<typeof simulatorProfile>;
export type SimulatorFaults = z.infer<typeof simulatorFaults>;

export { simulatorFaults as simulatorFaultsSchema };

/** Validates a models file's text; errors name the model index and field. */
export function parseModelsFile(yamlText: string, source: string): ModelsFile {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (error) {
    throw new Error(`${source}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const result = modelsFileSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${source}: ${problems}`);
  }
  return result.data;
}

export function loadModelsFile(path: string): ModelsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`MODELS_FILE ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseModelsFile(text, `MODELS_FILE ${path}`);
}

/** The simulator models served when MODELS_FILE is not set (config/models.yaml in the repo). */
export const DEFAULT_MODELS_FILE = fileURLToPath(new URL('../../../config/models.yaml', import.meta.url));

/** MODELS_FILE when given, else the bundled simulator models. */
export function loadServedModels(modelsFile: string | undefined): ModelsFile {
  return loadModelsFile(modelsFile ?? DEFAULT_MODELS_FILE);
}

/** A model's prices as the cost library wants them. */
export function modelPricing(spec: ModelSpec): ModelPricing {
  return {
    ...(spec.price ? { tokens: { inputPer1kUsd: spec.price.input_per_1k_usd, outputPer1kUsd: spec.price.output_per_1k_usd } } : {}),
    ...(spec.gpu_hourly_usd !== undefined ? { gpuHourlyUsd: spec.gpu_hourly_usd } : {}),
  };
}

export function priceTableOf(file: ModelsFile): PriceTable {
  return new PriceTable(file.models.map((m) => [m.name, modelPricing(m)]));
}
