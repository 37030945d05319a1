import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PriceTable, type ModelPricing } from '@tokenscope/cost';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * A models or prices file that cannot be read or does not fit its schema. The message starts with
 * the variable that names the file (`MODELS_FILE config/x.yaml: …`), so one line says what to fix.
 */
export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

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

/** Per-1K-token prices in US dollars; cached input is what the upstream reports as `cached_tokens`. */
const tokenPriceSpec = z
  .object({
    input_per_1k_usd: z.number().min(0),
    output_per_1k_usd: z.number().min(0),
    cached_input_per_1k_usd: z.number().min(0).optional(),
  })
  .strict();

const modelSpec = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._:/-]{1,128}$/, 'model names use letters, digits and . _ : / -'),
    backend: z.enum(['simulator', 'openai']).optional(),
    upstream_url: z.url().optional(),
    upstream_model: z.string().min(1).optional(),
    price: tokenPriceSpec.optional(),
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
    throw new ConfigFileError(`${source}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const result = modelsFileSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigFileError(`${source}: ${problems}`);
  }
  return result.data;
}

export function loadModelsFile(path: string): ModelsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigFileError(`MODELS_FILE ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
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
export function modelPricing(spec: Pick<ModelSpec, 'price' | 'gpu_hourly_usd'>): ModelPricing {
  const price = spec.price;
  return {
    ...(price
      ? {
          tokens: {
            inputPer1kUsd: price.input_per_1k_usd,
            outputPer1kUsd: price.output_per_1k_usd,
            ...(price.cached_input_per_1k_usd !== undefined ? { cachedInputPer1kUsd: price.cached_input_per_1k_usd } : {}),
          },
        }
      : {}),
    ...(spec.gpu_hourly_usd !== undefined ? { gpuHourlyUsd: spec.gpu_hourly_usd } : {}),
  };
}

const modelPriceEntry = z.object({ price: tokenPriceSpec.optional(), gpu_hourly_usd: z.number().min(0).optional() }).strict();

/**
 * PRICES_FILE: prices by model name, for models the gateway discovers from its upstream instead of
 * reading them from MODELS_FILE. `{prices: {<model>: {price: {...}} | {gpu_hourly_usd}}}`.
 */
export const pricesFileSchema = z.object({ prices: z.record(z.string().min(1).max(256), modelPriceEntry) }).strict();
export type PricesFile = z.infer<typeof pricesFileSchema>;

export function parsePricesFile(yamlText: string, source: string): PricesFile {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (error) {
    throw new ConfigFileError(`${source}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const result = pricesFileSchema.safeParse(raw);
  if (!result.success) throw new ConfigFileError(`${source}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return result.data;
}

export function loadPricesFile(path: string): PricesFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigFileError(`PRICES_FILE ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parsePricesFile(text, `PRICES_FILE ${path}`);
}

/**
 * Zero-config upstream: `LLM_BACKEND=openai` with `UPSTREAM_URL` and no MODELS_FILE means "serve
 * whatever models that server lists". A MODELS_FILE always wins.
 */
export function discoversUpstreamModels(config: { LLM_BACKEND?: string; UPSTREAM_URL?: string | undefined; MODELS_FILE?: string | undefined }): boolean {
  return config.LLM_BACKEND === 'openai' && config.UPSTREAM_URL !== undefined && config.MODELS_FILE === undefined;
}

/** Prices of the served models; a PRICES_FILE adds models by name, and MODELS_FILE wins where both price one. */
export function priceTableOf(file: ModelsFile | undefined, prices?: PricesFile): PriceTable {
  return new PriceTable([
    ...Object.entries(prices?.prices ?? {}).map(([model, entry]): [string, ModelPricing] => [model, modelPricing(entry)]),
    ...(file?.models ?? []).map((m): [string, ModelPricing] => [m.name, modelPricing(m)]),
  ]);
}
