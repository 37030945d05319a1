import { z } from 'zod';

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** A boolean variable: true/false, 1/0, yes/no, on/off (case-insensitive). */
export function envBoolean(defaultValue: boolean, description: string) {
  return z
    .string()
    .default(defaultValue ? 'true' : 'false')
    .transform((raw, ctx) => {
      const word = raw.toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      ctx.addIssue({ code: 'custom', message: 'expected true or false' });
      return z.NEVER;
    })
    .describe(description);
}

export function envInt(defaultValue: number, description: string, range: { min?: number; max?: number } = {}) {
  let schema = z.coerce.number().int();
  if (range.min !== undefined) schema = schema.min(range.min);
  if (range.max !== undefined) schema = schema.max(range.max);
  return schema.default(defaultValue).describe(description);
}

export function envNumber(defaultValue: number, description: string, range: { min?: number; max?: number } = {}) {
  let schema = z.coerce.number();
  if (range.min !== undefined) schema = schema.min(range.min);
  if (range.max !== undefined) schema = schema.max(range.max);
  return schema.default(defaultValue).describe(description);
}

export function envPort(defaultValue: number, description: string) {
  return envInt(defaultValue, description, { min: 1, max: 65_535 });
}

/** An optional variable whose value must never be printed (API keys, tokens). */
export function envSecret(description: string) {
  return z.string().min(1).optional().describe(description).meta({ secret: true });
}

function isValidTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** One Redis node or sentinel address. */
export interface RedisHostPort {
  host: string;
  port: number;
}

/** `host:port,host:port` (an IPv6 host in brackets: `[::1]:7000`), parsed; unset stays undefined. */
function hostPortList(description: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): RedisHostPort[] | undefined => {
      if (raw === undefined) return undefined;
      const addresses: RedisHostPort[] = [];
      const entries = raw.split(',').map((entry) => entry.trim());
      for (const [index, entry] of entries.entries()) {
        const address = parseHostPort(entry);
        // the message names the entry by position: the list may come from a secret store
        if (!address) ctx.addIssue({ code: 'custom', message: `entry ${index + 1} is not host:port (port 1-65535), in a comma-separated list` });
        else addresses.push(address);
      }
      return addresses;
    })
    .describe(description);
}

function parseHostPort(entry: string): RedisHostPort | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(entry);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * The checks across the Redis variables, for each app's schema (`.superRefine(redisTopologyCheck)`):
 * one topology at a time, and a sentinel setup names its master.
 */
export function redisTopologyCheck(
  config: { REDIS_CLUSTER_NODES?: RedisHostPort[] | undefined; REDIS_SENTINELS?: RedisHostPort[] | undefined; REDIS_SENTINEL_NAME?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (config.REDIS_CLUSTER_NODES && config.REDIS_SENTINELS) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINELS'], message: 'set either REDIS_CLUSTER_NODES (Cluster) or REDIS_SENTINELS (Sentinel), not both' });
  }
  if (config.REDIS_SENTINELS && !config.REDIS_SENTINEL_NAME) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINEL_NAME'], message: 'required with REDIS_SENTINELS: the name of the master the sentinels watch' });
  }
  if (config.REDIS_SENTINEL_NAME && !config.REDIS_SENTINELS) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINELS'], message: 'required with REDIS_SENTINEL_NAME: the sentinels to ask for the master' });
  }
}

/** Schema pieces every app shares. */
export const commonConfig = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379')
    .describe('Redis for queues, shared windows and request records (one node; REDIS_CLUSTER_NODES or REDIS_SENTINELS win over it)'),
  REDIS_CLUSTER_NODES: hostPortList(
    'Redis Cluster: comma-separated host:port of some of its nodes (the others are discovered); set, it wins over REDIS_URL',
  ),
  REDIS_SENTINELS: hostPortList(
    'Redis Sentinel: comma-separated host:port of the sentinels, asked where the master REDIS_SENTINEL_NAME is; set, it wins over REDIS_URL',
  ),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected a master name (letters, digits, . _ -)')
    .optional()
    .describe('name of the master the sentinels watch (sentinel monitor <name> …); required with REDIS_SENTINELS'),
  REDIS_PASSWORD: envSecret(
    'password of the Redis nodes (AUTH), for REDIS_CLUSTER_NODES and REDIS_SENTINELS, whose host lists cannot carry one; with REDIS_URL, used when the URL has none',
  ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level'),
  LOG_PROMPTS: envBoolean(false, 'log prompts and outputs (off: they never reach the logs)'),
  LOG_FORMAT: z
    .enum(['json', 'pretty'])
    .default('json')
    .describe('json: one JSON line per event (production, tests, log shippers); pretty: one readable coloured line per event (npm start sets it when its output is a terminal)'),
  MODELS_FILE: z
    .string()
    .optional()
    .describe('YAML file with the served models, their backends and prices (default: the bundled simulator models)'),
  PRICES_FILE: z
    .string()
    .optional()
    .describe('YAML file of prices by model name ({prices: {<model>: {price: {input_per_1k_usd, output_per_1k_usd, cached_input_per_1k_usd?}} | {gpu_hourly_usd}}}) for models discovered from the upstream; MODELS_FILE prices win'),
  SHUTDOWN_DRAIN_MS: envInt(10_000, 'on SIGTERM, how long in-flight requests may take to finish', { min: 0 }),
  SHUTDOWN_DELAY_MS: envInt(
    0,
    'on SIGTERM, how long /readyz answers 503 while still serving, before the listener closes (give load balancers time to notice; ~5000 on Kubernetes)',
    { min: 0 },
  ),
};

/** API keys (key → user id); unset means open access. Both apps that take requests read them. */
export const apiKeysConfig = {
  API_KEYS: envSecret('comma-separated key:user or key:user:admin pairs (development); unset with API_KEYS_FILE unset means open access'),
  API_KEYS_FILE: z.string().optional().describe('YAML file of {sha256, user, admin} entries: keys stored hashed'),
};

/**
 * Who may read `/metrics`, for deployments whose API port is public. Every app takes both:
 * MetricsModule.forRoot reads them from the app's config.
 */
export const metricsAccessConfig = {
  METRICS_TOKEN: z
    .string()
    .min(16, 'at least 16 characters')
    // it travels in an HTTP header: no spaces, no control characters
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .describe('bearer token /metrics requires (Authorization: Bearer <token>, 401 otherwise); unset: /metrics is open')
    .meta({ secret: true }),
  METRICS_PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65_535)
    .optional()
    .describe('serve /metrics on this separate port only (the API port then answers 404 there), for a port only the scraper can reach; unset: /metrics on the API port'),
};

export const costTimeZone = z
  .string()
  .default('UTC')
  .refine(isValidTimeZone, 'expected an IANA time zone such as Europe/Paris')
  .describe('time zone whose midnight starts a new cost day and resets budgets');

/**
 * OpenTelemetry variables the apps read themselves (the SDK reads the exporter, endpoint, sampler
 * and interval variables; they are listed here too, to be validated and documented in one place).
 */
export const otelConfig = {
  OTEL_METRICS_EXPORTER: z
    .string()
    .regex(/^\s*(otlp|console|prometheus|none)(\s*,\s*(otlp|console|prometheus|none))*\s*$/, 'expected otlp, console, prometheus or none (comma-separated)')
    .optional()
    .describe('exporter of the OpenTelemetry GenAI metrics (gen_ai.*): otlp, console, prometheus or none; unset: otlp when an OTLP endpoint is set, else none (Prometheus /metrics is served either way)'),
  OTEL_METRIC_EXPORT_INTERVAL: z.coerce.number().int().min(1).optional().describe('milliseconds between two exports of the GenAI metrics (SDK default 60000)'),
  OTEL_SEMCONV_STABILITY_OPT_IN: z
    .string()
    .optional()
    .describe('comma-separated opt-ins; gen_ai_latest_experimental sends only the latest GenAI names (without it the deprecated gen_ai.system is sent beside gen_ai.provider.name)'),
};

/** Content capture on spans (the gateway's prompts and answers), off unless asked. */
export const genAiContentConfig = {
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: envBoolean(
    false,
    'put prompts and answers on the llm_generate span (gen_ai.input.messages, gen_ai.output.messages), truncated and with credentials redacted; off: never',
  ),
  GENAI_CAPTURE_CONTENT_LIMIT_CHARS: envInt(4096, 'with content capture on: most characters of each message text kept on a span', { min: 16, max: 65_536 }),
};
