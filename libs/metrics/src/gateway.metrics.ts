import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { queuePublisherMetricProviders } from './queue-publisher.metrics.js';
import { GATEWAY_OVERHEAD_BUCKETS_SECONDS, REQUEST_LATENCY_BUCKETS_SECONDS, TPOT_BUCKETS_SECONDS, TTFT_BUCKETS_SECONDS } from './buckets.js';

// Names kept from the seed (a contract: infra/ alert rules and dashboards use them).
export const LLM_REQUESTS_TOTAL = 'llm_requests_total';
export const LLM_REQUEST_LATENCY_SECONDS = 'llm_request_latency_seconds';
export const LLM_TTFT_SECONDS = 'llm_ttft_seconds';
export const LLM_TPOT_SECONDS = 'llm_tpot_seconds';
export const LLM_TOKENS_GENERATED_TOTAL = 'llm_tokens_generated_total';
export const LLM_PROMPT_TOKENS_TOTAL = 'llm_prompt_tokens_total';
export const LLM_ACTIVE_REQUESTS = 'llm_active_requests';
export const LLM_COST_DOLLARS_TOTAL = 'llm_cost_dollars_total';
// Added by tokenscope.
export const LLM_REQUEST_ERRORS_TOTAL = 'llm_request_errors_total';
export const LLM_USAGE_ESTIMATED_TOTAL = 'llm_usage_estimated_total';
export const LLM_UNPRICED_REQUESTS_TOTAL = 'llm_unpriced_requests_total';
export const LLM_CACHED_PROMPT_TOKENS_TOTAL = 'llm_cached_prompt_tokens_total';
export const LLM_REASONING_TOKENS_TOTAL = 'llm_reasoning_tokens_total';
export const LLM_UPSTREAM_TTFT_SECONDS = 'llm_upstream_ttft_seconds';
export const LLM_GATEWAY_TTFT_OVERHEAD_SECONDS = 'llm_gateway_ttft_overhead_seconds';
export const LLM_LIMITED_REQUESTS_TOTAL = 'llm_limited_requests_total';
export const LLM_LIMIT_CHECK_FAILURES_TOTAL = 'llm_limit_check_failures_total';

/** `reason` of llm_limited_requests_total: which limit refused the request. */
export const LIMIT_REASONS = ['requests_per_minute', 'tokens_per_minute', 'daily_budget', 'concurrency'] as const;
/** `limit` of llm_limit_check_failures_total: the shared limits whose Redis check failed or timed out. */
export const SHARED_LIMITS = ['rate_limits', 'daily_budget'] as const;

/**
 * Bucket edges (seconds) of each gateway histogram. The SLO thresholds of infra/slo/slos.yaml
 * must be among them (a test in infra/ checks it), so this map is what the providers below use.
 */
export const GATEWAY_HISTOGRAM_BUCKETS_SECONDS = {
  [LLM_REQUEST_LATENCY_SECONDS]: REQUEST_LATENCY_BUCKETS_SECONDS,
  [LLM_TTFT_SECONDS]: TTFT_BUCKETS_SECONDS,
  [LLM_TPOT_SECONDS]: TPOT_BUCKETS_SECONDS,
  [LLM_UPSTREAM_TTFT_SECONDS]: TTFT_BUCKETS_SECONDS,
  [LLM_GATEWAY_TTFT_OVERHEAD_SECONDS]: GATEWAY_OVERHEAD_BUCKETS_SECONDS,
};

export const gatewayMetricProviders = [
  makeCounterProvider({
    name: LLM_REQUESTS_TOTAL,
    help: 'Generation requests by outcome: success, error (server or upstream fault), cancelled (client went away), rejected (4xx)',
    labelNames: ['model', 'status'],
  }),
  makeHistogramProvider({
    name: LLM_REQUEST_LATENCY_SECONDS,
    help: 'Seconds from request arrival to the last byte of the response, successful requests',
    labelNames: ['model'],
    buckets: GATEWAY_HISTOGRAM_BUCKETS_SECONDS[LLM_REQUEST_LATENCY_SECONDS],
    enableExemplars: true,
  }),
  makeHistogramProvider({
    name: LLM_TTFT_SECONDS,
    help: 'Seconds from request arrival to the first token written to the client (streamed) or received from the backend (not streamed)',
    labelNames: ['model'],
    buckets: GATEWAY_HISTOGRAM_BUCKETS_SECONDS[LLM_TTFT_SECONDS],
    enableExemplars: true,
  }),
  makeHistogramProvider({
    name: LLM_TPOT_SECONDS,
    help: 'Seconds per output token after the first: (latency - ttft) / (tokens - 1); not observed for answers of one token',
    labelNames: ['model'],
    buckets: GATEWAY_HISTOGRAM_BUCKETS_SECONDS[LLM_TPOT_SECONDS],
  }),
  makeCounterProvider({
    name: LLM_TOKENS_GENERATED_TOTAL,
    help: 'Completion tokens returned to clients (backend usage when reported, else counted by the gateway)',
    labelNames: ['model'],
  }),
  makeCounterProvider({
    name: LLM_PROMPT_TOKENS_TOTAL,
    help: 'Prompt tokens of finished requests (backend usage when reported, else counted by the gateway)',
    labelNames: ['model'],
  }),
  makeGaugeProvider({
    name: LLM_ACTIVE_REQUESTS,
    help: 'Generation requests being served right now',
  }),
  makeCounterProvider({
    name: LLM_COST_DOLLARS_TOTAL,
    help: 'Token cost of finished requests in US dollars, from the prices in MODELS_FILE',
    labelNames: ['model'],
  }),
  makeCounterProvider({
    name: LLM_REQUEST_ERRORS_TOTAL,
    help: 'Failed generation requests by stable error code (e.g. UPSTREAM_TIMEOUT, UPSTREAM_STREAM_CUT)',
    labelNames: ['model', 'code'],
  }),
  makeCounterProvider({
    name: LLM_USAGE_ESTIMATED_TOTAL,
    help: 'Requests whose token usage the backend did not report, so the gateway counted it with its tokenizer',
    labelNames: ['model'],
  }),
  makeCounterProvider({
    name: LLM_UNPRICED_REQUESTS_TOTAL,
    help: 'Requests for a model with no price in MODELS_FILE (their cost is unknown, not zero)',
    labelNames: ['model'],
  }),
  makeCounterProvider({
    name: LLM_CACHED_PROMPT_TOKENS_TOTAL,
    help: 'Prompt tokens the upstream served from its prompt cache (prompt_tokens_details.cached_tokens); a part of llm_prompt_tokens_total',
    labelNames: ['model'],
  }),
  makeCounterProvider({
    name: LLM_REASONING_TOKENS_TOTAL,
    help: 'Completion tokens the model spent reasoning (completion_tokens_details.reasoning_tokens); a part of llm_tokens_generated_total',
    labelNames: ['model'],
  }),
  makeHistogramProvider({
    name: LLM_UPSTREAM_TTFT_SECONDS,
    help: "Seconds from the gateway's call to the model server to the first token it received: the model server's own time to first token",
    labelNames: ['model'],
    buckets: GATEWAY_HISTOGRAM_BUCKETS_SECONDS[LLM_UPSTREAM_TTFT_SECONDS],
  }),
  makeHistogramProvider({
    name: LLM_GATEWAY_TTFT_OVERHEAD_SECONDS,
    help: 'Seconds the gateway added to the time to first token: llm_ttft_seconds minus llm_upstream_ttft_seconds, per request',
    labelNames: ['model'],
    buckets: GATEWAY_HISTOGRAM_BUCKETS_SECONDS[LLM_GATEWAY_TTFT_OVERHEAD_SECONDS],
  }),
  makeCounterProvider({
    name: LLM_LIMITED_REQUESTS_TOTAL,
    help: 'Requests refused with 429 by a limit: requests_per_minute, tokens_per_minute (RATE_LIMIT_RPM/TPM), daily_budget (DAILY_BUDGET_USD), concurrency (GATEWAY_MAX_CONCURRENT_REQUESTS)',
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: LLM_LIMIT_CHECK_FAILURES_TOTAL,
    help: 'Shared limit checks or settlements that Redis did not answer in time (the request was then admitted or refused as RATE_LIMIT_FAIL_MODE / BUDGET_FAIL_MODE say)',
    labelNames: ['limit'],
  }),
  ...queuePublisherMetricProviders,
];
