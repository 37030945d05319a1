import { apiKeysConfig, commonConfig, costTimeZone, envInt, envNumber, envPort, envSecret, loadConfigOrExit, metricsAccessConfig, redisTopologyCheck } from '@tokenscope/config';
import { z } from 'zod';

export const qualityConfigSchema = z.object({
  ...commonConfig,
  ...apiKeysConfig,
  ...metricsAccessConfig,
  QUALITY_PORT: envPort(8001, 'port of the feedback and quality API'),
  QUALITY_HOST: z.string().default('0.0.0.0').describe('interface the quality service listens on'),
  COST_TIMEZONE: costTimeZone,
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/).default('tokenscope').describe('key prefix of queues and records in Redis'),
  QUALITY_CONSUMER_CONCURRENCY: envInt(64, 'generation events processed at once by this replica (jobs in flight; each costs BullMQ round trips plus one Lua call)', { min: 1, max: 1024 }),
  QUALITY_WINDOW_SIZE: envInt(1000, 'successful generations in the shared sliding window behind the quality rates', { min: 1, max: 1_000_000 }),
  QUALITY_TOP_USERS: envInt(20, 'users with their own llm_cost_by_user_dollars series; the rest are summed into user_id="other"', { min: 0, max: 1000 }),
  DAILY_BUDGET_USD: z.coerce.number().positive().optional().describe('per-user daily budget in US dollars (unset: none); llm_users_at_budget counts users who reached it'),
  QUALITY_DEDUP_TTL_SECONDS: envInt(3600, 'how long a processed request id is remembered, so a redelivered event is not counted twice', { min: 60 }),
  QUALITY_FEEDBACK_TTL_SECONDS: envInt(30 * 86_400, 'how long a vote is kept in Redis', { min: 3600 }),
  QUALITY_GPU_DEDUP_TTL_SECONDS: envInt(86_400, 'how long a booked GPU sample (host, sampledAtMs) is remembered, so a sample read twice is booked once; about 100 bytes per sample, 1.7 MB a day per host sampled every 5 s', { min: 60 }),
  QUALITY_GPU_CLAIM_IDLE_MS: envInt(60_000, 'GPU samples read by a replica but not acknowledged for this long are taken over by another replica (its owner is presumed dead)', { min: 100 }),
  QUALITY_METRICS_REFRESH_MS: envInt(1000, 'how often the gauges (rates, costs, queue jobs) are read again from Redis', { min: 50 }),
  QUALITY_GROUNDING_MIN_SUPPORT: envNumber(0.5, 'a sentence is supported when at least this share of its content words occur in the context', { min: 0, max: 1 }),
  QUALITY_GROUNDING_MAX_UNSUPPORTED: envNumber(0.3, 'a checked generation is ungrounded when more than this share of its sentences are unsupported', { min: 0, max: 1 }),
  QUALITY_JUDGE_MODEL: z.string().min(1).max(128).optional().describe('model that judges a sample of generations through the gateway (LLM-as-judge, docs/quality.md); unset: no judge'),
  QUALITY_JUDGE_SAMPLE_RATE: envNumber(0.05, 'share of successful generations the judge model reviews (0 to 1)', { min: 0, max: 1 }),
  QUALITY_JUDGE_DAILY_BUDGET_USD: envNumber(5, 'US dollars the judge may spend per day in COST_TIMEZONE, shared by every quality replica; judging stops for the day past it', { min: 0 }),
  QUALITY_JUDGE_GATEWAY_URL: z.url().default('http://localhost:8000').describe('the gateway the judge calls (its OpenAI-compatible /v1/chat/completions)'),
  QUALITY_JUDGE_API_KEY: envSecret('bearer key the judge sends to the gateway (one of its API_KEYS when it has any)'),
  QUALITY_JUDGE_USER: z.string().min(1).max(256).default('tokenscope-quality-judge').describe('user the judge calls the gateway as (the API key\'s user when keys are set): generations of this user are never judged or counted in the window'),
  QUALITY_JUDGE_TIMEOUT_MS: envInt(20_000, 'longest wait for one judge verdict; a slower one counts as timeout and the rules\' verdict stands', { min: 100 }),
  QUALITY_JUDGE_CONCURRENCY: envInt(4, 'judge calls in flight at once per replica; a sampled generation finding them all busy is dropped (counted), never queued', { min: 1, max: 256 }),
  CONSOLE_REQUESTS_LIMIT: envInt(10_000, 'finished requests kept in Redis for the console\'s request explorer (newest kept; shared by every quality replica)', { min: 100, max: 1_000_000 }),
  CONSOLE_REQUESTS_MAX_BYTES: envInt(16 * 1024 * 1024, 'bytes of Redis memory the console\'s request list may hold; the oldest go first past it', { min: 64 * 1024 }),
  CONSOLE_REQUESTS_MAX_AGE_SECONDS: envInt(86_400, 'requests older than this leave the console\'s request list', { min: 60 }),
  CONSOLE_TRACE_URL_TEMPLATE: z
    .string()
    .regex(/\{traceId\}/, 'must contain {traceId}')
    .default('http://localhost:16686/trace/{traceId}')
    .describe('link from a request in the console to its trace; {traceId} is replaced (Jaeger by default)'),
  CONSOLE_LOG_QUERY_TEMPLATE: z
    .string()
    .regex(/\{requestId\}/, 'must contain {requestId}')
    .default('grep -F \'"request_id":"{requestId}"\'')
    .describe('the log query the console shows for a request; {requestId} is replaced (e.g. a Loki query: {service=~".+"} | json | request_id="{requestId}")'),
  CONSOLE_ASSETS_DIR: z.string().min(1).optional().describe('folder of the built console (apps/console-web/dist); unset: the one built in this repository'),
}).superRefine(redisTopologyCheck);

export type QualityConfig = z.infer<typeof qualityConfigSchema>;

export const QUALITY_CONFIG = Symbol('QUALITY_CONFIG');

export function loadQualityConfig(env: Record<string, string | undefined> = process.env): QualityConfig {
  return loadConfigOrExit(qualityConfigSchema, env, 'quality');
}
