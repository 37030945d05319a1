// The quality service's console API (apps/quality/src/console): shapes as it answers them.

export type Vote = 'up' | 'down' | null;

export interface RequestRow {
  id: string;
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
  isRefusal: boolean | null;
  grounding: string | null;
  traceId: string | null;
  output?: string;
  vote: Vote;
}

export interface RequestDetail extends RequestRow {
  traceUrl: string | null;
  logQuery: string;
}

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
  tokensPerSecond: number;
  costUsd: number;
  refusalRate: number | null;
  hallucinationRate: number | null;
}

export interface Overview {
  generatedAtMs: number;
  windowSeconds: number;
  bucketSeconds: number;
  total: ServingFigures;
  models: Array<ServingFigures & { model: string }>;
  series: {
    t: number[];
    requestsPerSecond: number[];
    errorRate: Array<number | null>;
    ttftP95Ms: Array<number | null>;
    latencyP95Ms: Array<number | null>;
    tokensPerSecond: number[];
  };
  cost: {
    day: string;
    timeZone: string;
    todayUsd: number;
    dailyBudgetUsd: number | null;
    usersAtBudget: number | null;
    topUsersToday: Array<{ user: string; spendUsd: number }>;
  };
  quality: {
    window: { size: number; generations: number; refusals: number; checked: number; ungrounded: number; votes: number; thumbs_up: number; thumbs_down: number };
    rates: { refusal_rate: number | null; hallucination_rate: number | null; user_satisfaction: number | null };
  };
  gpus: Array<{
    host: string;
    uuid: string;
    name: string;
    model: string | null;
    utilizationPercent: number | null;
    memoryUsedBytes: number | null;
    memoryTotalBytes: number | null;
    sampledAtMs: number;
  }>;
}

export interface Settings {
  windowSeconds: number;
  isContentShown: boolean;
  kept: { entries: number; bytes: number; maxAgeSeconds: number };
  caller: { kind: 'open' } | { kind: 'key'; userId: string; isAdmin: boolean };
}

export interface RequestFilter {
  model: string;
  user: string;
  status: string;
  id: string;
}

/** Kept for this browser tab only: closing it forgets the key. */
const KEY_STORAGE = 'tokenscope.console.apiKey';

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}

/** A refusal of the API: 401 (no key or a wrong one) or 403 (a key that is not an admin's). */
export class AccessError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

async function get<T>(path: string, key: string | null = storedKey()): Promise<T> {
  const response = await fetch(`/v1/console/${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (response.status === 401 || response.status === 403) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new AccessError(response.status, body.message ?? response.statusText);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new Error(body.message ?? `${response.status} ${response.statusText}`);
  }
  return (await response.json()) as T;
}

export const api = {
  /** Answered without a key: whether the console must ask for one. */
  access: async (): Promise<{ isKeyRequired: boolean }> => {
    const response = await fetch('/v1/console/access');
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return (await response.json()) as { isKeyRequired: boolean };
  },
  settings: (key?: string | null) => get<Settings>('settings', key),
  overview: () => get<Overview>('overview'),
  requests: (filter: RequestFilter, limit = 100) => {
    const query = new URLSearchParams({ limit: String(limit) });
    for (const [name, value] of Object.entries(filter)) if (value) query.set(name, value);
    return get<RequestRow[]>(`requests?${query}`);
  },
  request: (id: string) => get<RequestDetail>(`requests/${encodeURIComponent(id)}`),
};
