// The quality service's console API (apps/quality/src/console); its shapes are the shared contract.
import type { ConsoleAccess, ConsoleOverview, ConsoleSettings, RequestDetail, RequestRow } from '@tokenscope/console-contract';

export type { RequestDetail, RequestRow };
export type Overview = ConsoleOverview;
export type Settings = ConsoleSettings;

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
  access: async (): Promise<ConsoleAccess> => {
    const response = await fetch('/v1/console/access');
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return (await response.json()) as ConsoleAccess;
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
