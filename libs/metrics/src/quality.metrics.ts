import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

// Names kept from the seed (a contract: infra/ alert rules and dashboards use them).
export const LLM_HALLUCINATION_RATE = 'llm_hallucination_rate';
export const LLM_USER_SATISFACTION = 'llm_user_satisfaction';
export const LLM_REFUSAL_RATE = 'llm_refusal_rate';
export const LLM_FEEDBACK_TOTAL = 'llm_feedback_total';
export const LLM_COST_BY_USER_DOLLARS = 'llm_cost_by_user_dollars';
export const LLM_COST_BY_MODEL_DOLLARS = 'llm_cost_by_model_dollars';
export const LLM_DAILY_COST_DOLLARS = 'llm_daily_cost_dollars';
// Added by tokenscope.
export const LLM_QUALITY_WINDOW_GENERATIONS = 'llm_quality_window_generations';
export const LLM_USERS_AT_BUDGET = 'llm_users_at_budget';
export const LLM_QUEUE_EVENTS_CONSUMED_TOTAL = 'llm_queue_events_consumed_total';
export const LLM_QUEUE_LAG_SECONDS = 'llm_queue_lag_seconds';
export const LLM_QUEUE_JOBS = 'llm_queue_jobs';
export const LLM_GPU_COST_DOLLARS_TOTAL = 'llm_gpu_cost_dollars_total';
export const LLM_GPU_SAMPLES_UNATTRIBUTED_TOTAL = 'llm_gpu_samples_unattributed_total';
export const LLM_QUALITY_VERDICTS_TOTAL = 'llm_quality_verdicts_total';
export const LLM_QUALITY_JUDGE_REQUESTS_TOTAL = 'llm_quality_judge_requests_total';
export const LLM_QUALITY_JUDGE_LATENCY_SECONDS = 'llm_quality_judge_latency_seconds';
export const LLM_QUALITY_JUDGE_COST_DOLLARS_TOTAL = 'llm_quality_judge_cost_dollars_total';
export const LLM_QUALITY_JUDGE_DISAGREEMENTS_TOTAL = 'llm_quality_judge_disagreements_total';

/** Outcomes of a sampled judge call (`llm_quality_judge_requests_total`). */
export const JUDGE_OUTCOMES = ['ok', 'malformed', 'timeout', 'error', 'skipped_budget', 'dropped'] as const;

/** Judge latency, seconds: a judge model answers a short verdict in well under a second to tens of seconds. */
export const JUDGE_LATENCY_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60];

/**
 * Queue lag, seconds: from the generation's end to its event being processed. Fine below 1 s
 * (the performance target is p99 < 1 s), coarse above, up to an hour of backlog.
 */
export const QUEUE_LAG_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export const qualityMetricProviders = [
  makeGaugeProvider({
    name: LLM_HALLUCINATION_RATE,
    help: 'Ungrounded generations / generations checked for groundedness, over the shared window of the last QUALITY_WINDOW_SIZE successful generations (NaN when none was checked)',
  }),
  makeGaugeProvider({
    name: LLM_USER_SATISFACTION,
    help: 'Thumbs up / votes, counting the latest vote on each generation in the shared window (NaN when none was voted on)',
  }),
  makeGaugeProvider({
    name: LLM_REFUSAL_RATE,
    help: 'Refusals / successful generations, over the shared window (NaN when the window is empty)',
  }),
  makeGaugeProvider({
    name: LLM_QUALITY_WINDOW_GENERATIONS,
    help: 'Successful generations in the shared window: the base of the quality rates',
  }),
  makeCounterProvider({
    name: LLM_FEEDBACK_TOTAL,
    help: 'Votes recorded by this replica, one per request (the rating of its first vote); a changed vote is not counted again',
    labelNames: ['model', 'rating'],
  }),
  makeGaugeProvider({
    name: LLM_COST_BY_USER_DOLLARS,
    help: 'All-time spend in US dollars of the top QUALITY_TOP_USERS spenders; everyone else is summed into user_id="other"',
    labelNames: ['user_id'],
  }),
  makeGaugeProvider({
    name: LLM_COST_BY_MODEL_DOLLARS,
    help: 'All-time spend in US dollars per model: token cost, plus GPU-time cost for models billed by GPU time (models outside MODELS_FILE as "unknown")',
    labelNames: ['model'],
  }),
  makeGaugeProvider({
    name: LLM_DAILY_COST_DOLLARS,
    help: 'Spend in US dollars since the last midnight in COST_TIMEZONE (token cost and GPU-time cost), from the cost ledger in Redis',
  }),
  makeGaugeProvider({
    name: LLM_USERS_AT_BUDGET,
    help: 'Users whose spend today reached DAILY_BUDGET_USD (0 when no budget is set)',
  }),
  makeCounterProvider({
    name: LLM_QUEUE_EVENTS_CONSUMED_TOTAL,
    help: 'Queue and stream entries handled by this replica (generation-events, gpu-samples), by outcome: processed, duplicate (already counted), invalid (failed its contract), failed (will be retried), unattributed (gpu-samples: no GPU price for its model)',
    labelNames: ['queue', 'outcome'],
  }),
  makeHistogramProvider({
    name: LLM_QUEUE_LAG_SECONDS,
    help: 'Seconds from the end of a generation to its event being processed by the quality service',
    labelNames: ['queue'],
    buckets: QUEUE_LAG_BUCKETS_SECONDS,
  }),
  makeGaugeProvider({
    name: LLM_QUEUE_JOBS,
    help: 'Jobs in a queue by state (waiting, active, delayed, failed), read from Redis',
    labelNames: ['queue', 'state'],
  }),
  makeCounterProvider({
    name: LLM_GPU_COST_DOLLARS_TOTAL,
    help: 'GPU-time cost in US dollars booked by this replica from the GPU samples stream (GPUs x interval x gpu_hourly_usd), per model billed by GPU time; sum over replicas',
    labelNames: ['model'],
  }),
  makeCounterProvider({
    name: LLM_QUALITY_VERDICTS_TOTAL,
    help: 'Detector verdicts given by this replica, per signal (refusal, hallucination), detector version (refusal-rules@4, groundedness-lexical@3, judge:<model>@rubric-2) and verdict (flagged, clear, not_checked): a new detector shows as a new version',
    labelNames: ['signal', 'version', 'verdict'],
  }),
  makeCounterProvider({
    name: LLM_QUALITY_JUDGE_REQUESTS_TOTAL,
    help: 'Sampled judge reviews by signal and outcome: ok, malformed (verdict not the strict JSON), timeout, error (gateway or network), skipped_budget (daily judge budget spent), dropped (QUALITY_JUDGE_CONCURRENCY calls already in flight)',
    labelNames: ['signal', 'outcome'],
  }),
  makeHistogramProvider({
    name: LLM_QUALITY_JUDGE_LATENCY_SECONDS,
    help: 'Seconds of one judge call through the gateway, whatever its outcome (skipped and dropped calls are not timed)',
    labelNames: ['signal'],
    buckets: JUDGE_LATENCY_BUCKETS_SECONDS,
  }),
  makeCounterProvider({
    name: LLM_QUALITY_JUDGE_COST_DOLLARS_TOTAL,
    help: 'US dollars of judge calls made by this replica, priced from the usage the gateway returned at the judge model\'s price',
  }),
  makeCounterProvider({
    name: LLM_QUALITY_JUDGE_DISAGREEMENTS_TOTAL,
    help: 'Judged generations where the judge and the rules disagree, by signal and the judge\'s verdict (flagged: the rules missed it; clear: the rules flagged it)',
    labelNames: ['signal', 'judge_verdict'],
  }),
  makeCounterProvider({
    name: LLM_GPU_SAMPLES_UNATTRIBUTED_TOTAL,
    help: 'GPU samples this replica could not price, by reason: no_model (the agent has no GPU_AGENT_MODEL), unknown_model (not in MODELS_FILE), token_priced (billed by tokens), no_gpu_price (no price at all)',
    labelNames: ['reason'],
  }),
];
