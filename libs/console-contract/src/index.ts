/**
 * The console's JSON API (`/v1/console/*` on the quality service), shared by the service that
 * answers it and the page that reads it. Times are epoch milliseconds, durations milliseconds,
 * money US dollars, rates 0..1 (null when there is nothing to divide by).
 */

/** One finished request as the console lists it (kept as JSON in Redis: short, stable names). */
export interface RequestEntry {
  /** The id the client was given in `x-request-id`: what it votes with. */
  id: string;
  /** The gateway's own id of the request: `request_id` in the gateway's log lines. */
  gatewayRequestId: string;
  model: string;
  user: string;
  endpoint: string;
  status: string;
  httpStatus: number;
  errorCode: string | null;
  finishReason: string | null;
  startedAtMs: number;
  finishedAtMs: number;
  ttftMs: number | null;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  isUsageEstimated: boolean;
  costUsd: number;
  costBasis: string;
  /** Detector verdicts; null when the detectors did not run (only successful generations are reviewed). */
  isRefusal: boolean | null;
  grounding: string | null;
  traceId: string | null;
  /** The generated text, cut short; present only when LOG_PROMPTS allows it. */
  output?: string;
}

/** A vote as the console shows it: `up`, `down`, or null when nobody voted. */
export type VoteDirection = 'up' | 'down' | null;

/** `GET /v1/console/requests`: one row. */
export type RequestRow = RequestEntry & { vote: VoteDirection };

/** `GET /v1/console/requests/:id`. */
export interface RequestDetail extends RequestRow {
  /** CONSOLE_TRACE_URL_TEMPLATE with the trace id; null when the request was not traced. */
  traceUrl: string | null;
  /** CONSOLE_LOG_QUERY_TEMPLATE with the request id. */
  logQuery: string;
}

/** Figures for one model (or all of them) over the overview's window. */
export interface ServingFigures {
  requests: number;
  requestsPerSecond: number;
  success: number;
  errors: number;
  cancelled: number;
  rejected: number;
  errorRate: number | null;
  cancelRate: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  latencyP95Ms: number | null;
  promptTokens: number;
  completionTokens: number;
  /** Completion tokens per second of the window. */
  tokensPerSecond: number;
  costUsd: number;
  /** refusals / reviewed successful generations. */
  refusalRate: number | null;
  /** ungrounded / generations whose grounding was checked. */
  hallucinationRate: number | null;
}

/** The window cut into equal buckets, oldest first; `t` is each bucket's start in epoch seconds (as uPlot reads time). */
export interface ServingSeries {
  t: number[];
  requestsPerSecond: number[];
  errorRate: Array<number | null>;
  ttftP95Ms: Array<number | null>;
  latencyP95Ms: Array<number | null>;
  tokensPerSecond: number[];
}

export interface ServingOverview {
  windowSeconds: number;
  bucketSeconds: number;
  total: ServingFigures;
  models: Array<ServingFigures & { model: string }>;
  series: ServingSeries;
}

/** One GPU as its agent last reported it. Percent 0..100, bytes. */
export interface GpuReading {
  host: string;
  uuid: string;
  name: string;
  model: string | null;
  utilizationPercent: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  sampledAtMs: number;
}

/** The quality window as `GET /v1/quality` answers it. */
export interface QualityWindowReport {
  window: { size: number; generations: number; refusals: number; checked: number; ungrounded: number; votes: number; thumbs_up: number; thumbs_down: number };
  rates: { refusal_rate: number | null; hallucination_rate: number | null; user_satisfaction: number | null };
}

/** `GET /v1/console/overview`. */
export interface ConsoleOverview extends ServingOverview {
  generatedAtMs: number;
  cost: {
    /** YYYY-MM-DD in timeZone (COST_TIMEZONE). */
    day: string;
    timeZone: string;
    todayUsd: number;
    /** Per-user daily budget (DAILY_BUDGET_USD); null when none is set. */
    dailyBudgetUsd: number | null;
    usersAtBudget: number | null;
    topUsersToday: Array<{ user: string; spendUsd: number }>;
  };
  quality: QualityWindowReport;
  gpus: GpuReading[];
}

/** Who is calling: anyone (no keys configured) or the owner of a valid key. */
export type ConsoleCaller = { kind: 'open' } | { kind: 'key'; userId: string; isAdmin: boolean };

/** `GET /v1/console/settings`: what the page needs before it asks for data. */
export interface ConsoleSettings {
  windowSeconds: number;
  isContentShown: boolean;
  kept: { entries: number; bytes: number; maxAgeSeconds: number };
  caller: ConsoleCaller;
}

/** `GET /v1/console/access`, answered without a key. */
export interface ConsoleAccess {
  isKeyRequired: boolean;
}
