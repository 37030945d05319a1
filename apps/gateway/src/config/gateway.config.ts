import { apiKeysConfig, commonConfig, costTimeZone, envBoolean, genAiContentConfig, otelConfig, envInt, envNumber, envPort, envSecret, loadConfigOrExit, metricsAccessConfig, redisTopologyCheck } from '@tokenscope/config';
import { REQUEST_RECORD_TTL_SECONDS } from '@tokenscope/queue-contracts';
import { z } from 'zod';

export const gatewayConfigSchema = z.object({
  ...commonConfig,
  GATEWAY_PORT: envPort(8000, 'port of the generation API'),
  GATEWAY_HOST: z.string().default('0.0.0.0').describe('interface the gateway listens on'),
  LLM_BACKEND: z
    .enum(['simulator', 'openai'])
    .default('simulator')
    .describe('backend for models that do not name one in MODELS_FILE; openai with UPSTREAM_URL and no MODELS_FILE serves the models the upstream lists'),
  UPSTREAM_URL: z.url().optional().describe('OpenAI-compatible server (vLLM, TGI, llama.cpp, Ollama) for openai-backed models without their own upstream_url'),
  UPSTREAM_API_KEY: envSecret('bearer token sent to the upstream'),
  UPSTREAM_TIMEOUT_MS: envInt(30_000, 'give up on the upstream after this long without its headers or between two chunks (504)', { min: 100 }),
  UPSTREAM_CONNECTIONS: envInt(512, 'most connections kept open to each upstream', { min: 1 }),
  UPSTREAM_MODELS_REFRESH_MS: envInt(60_000, 'with LLM_BACKEND=openai, UPSTREAM_URL and no MODELS_FILE: how often the upstream\'s GET /v1/models is read again', { min: 1000 }),
  UPSTREAM_RESPONSE_LIMIT_BYTES: envInt(16 * 1_048_576, 'largest non-streamed upstream answer relayed to a client (502 above); streamed answers are relayed event by event', { min: 65_536 }),
  GATEWAY_BODY_LIMIT_BYTES: envInt(1_048_576, 'largest accepted request body (413 above)', { min: 1024 }),
  GATEWAY_MAX_TOKENS_DEFAULT: envInt(256, 'max_tokens when a request gives none', { min: 1 }),
  SIMULATOR_SEED: envInt(42, 'seed of the simulator; at temperature 0 the same prompt gives the same answer'),
  SIMULATOR_ADMIN: envBoolean(true, 'allow changing simulator faults at runtime through PUT /admin/simulator/faults'),
  SIMULATOR_FAULTS_SYNC_MS: envInt(500, 'how often each replica reads the fault settings changed through PUT /admin/simulator/faults on any replica (from Redis)', { min: 50, max: 60_000 }),
  SIMULATOR_SPEED: envNumber(1, 'multiplies every simulated delay (0 = answer instantly, for tests)', { min: 0 }),
  EVENTS_BUFFER_LIMIT: envInt(10_000, 'generation events held in memory while Redis is unreachable; older ones are dropped and counted beyond it', { min: 1 }),
  EVENTS_BUFFER_LIMIT_BYTES: envInt(64 * 1_048_576, 'bytes of generation events held in memory while Redis is unreachable (each event is at most ~100 KB); older ones are dropped and counted beyond it', { min: 65_536 }),
  REQUEST_RECORDS_BUFFER_LIMIT_BYTES: envInt(8 * 1_048_576, 'bytes of request records (for feedback) held in memory while Redis is unreachable; older ones are dropped beyond it', { min: 65_536 }),
  GATEWAY_WRITE_STALL_TIMEOUT_MS: envInt(30_000, 'a streaming client that takes nothing for this long is disconnected: the request ends as cancelled, the upstream is aborted, the slot freed', { min: 100, max: 60_000 }),
  GATEWAY_REQUEST_TIMEOUT_MS: envInt(600_000, 'longest a generation request may run, whatever it waits for; then its connection is closed (cancelled) and the upstream aborted', { min: 1000 }),
  EVENTS_WAIT_REPLICAS: envInt(
    0,
    'after writing a batch of generation events, wait until this many replicas of the master have it (WAIT); a batch fewer confirm is written again (idempotent by request id). 0: no wait, and a master that dies before replicating loses the events it last acknowledged. Set 1 on Cluster or Sentinel with replicas',
    { min: 0, max: 16 },
  ),
  EVENTS_WAIT_TIMEOUT_MS: envInt(1000, 'with EVENTS_WAIT_REPLICAS: longest wait for the replicas to confirm a batch', { min: 1, max: 60_000 }),
  EVENTS_FLUSH_INTERVAL_MS: envInt(20, 'how often buffered generation events are written to Redis in one batch', { min: 1 }),
  ...apiKeysConfig,
  ...metricsAccessConfig,
  DAILY_BUDGET_USD: z
    .coerce.number()
    .positive()
    .optional()
    .describe(
      'per-user spend per cost day in USD, held across every replica: a request reserves the most it can cost before it starts (429 when that does not fit) and settles its real cost when it ends (unset: no budget)',
    ),
  COST_TIMEZONE: costTimeZone,
  BUDGET_FAIL_MODE: z
    .enum(['open', 'closed'])
    .default('open')
    .describe('when the budget cannot be reserved in Redis in time: open admits the request, closed refuses it (503)'),
  BUDGET_READ_TIMEOUT_MS: envInt(50, 'longest wait for Redis to reserve a request\'s budget before BUDGET_FAIL_MODE applies', { min: 1 }),
  BUDGET_CACHE_MS: envInt(1000, 'how long a user found at their budget is refused from memory, without asking Redis again', { min: 0 }),
  RATE_LIMIT_RPM: envInt(0, 'requests per minute per API key (per user without API keys), shared by every replica; 0: no limit. API_KEYS_FILE can set rate_limit_rpm per key', { min: 0 }),
  RATE_LIMIT_TPM: envInt(
    0,
    'tokens per minute per API key (per user without API keys), shared by every replica: a request takes prompt bytes / 4 + max_tokens when admitted and settles to its real count; 0: no limit. API_KEYS_FILE can set rate_limit_tpm per key',
    { min: 0 },
  ),
  RATE_LIMIT_FAIL_MODE: z
    .enum(['open', 'closed'])
    .default('open')
    .describe('when the rate limits cannot be read from Redis in time: open admits the request, closed refuses it (503)'),
  RATE_LIMIT_TIMEOUT_MS: envInt(50, 'longest wait for Redis to check a request\'s rate limits before RATE_LIMIT_FAIL_MODE applies', { min: 1 }),
  GATEWAY_MAX_CONCURRENT_REQUESTS: envInt(1024, 'generation requests served at once; beyond it 429 with Retry-After instead of queueing', { min: 1 }),
  REQUEST_RECORD_TTL_SECONDS: envInt(
    REQUEST_RECORD_TTL_SECONDS,
    'how long a request can be voted on (its record in Redis, ~200 bytes each, lives this long)',
    { min: 60 },
  ),
  REQUEST_RECORD_TIMEOUT_MS: envInt(50, 'longest wait for Redis to store the request record (for feedback) before the response ends anyway', { min: 1 }),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/).default('tokenscope').describe('key prefix of queues and records in Redis'),
  ...otelConfig,
  ...genAiContentConfig,
}).superRefine(redisTopologyCheck);

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  return loadConfigOrExit(gatewayConfigSchema, env, 'gateway');
}
