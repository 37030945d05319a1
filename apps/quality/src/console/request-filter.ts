import type { RequestEntry } from '@tokenscope/console-contract';

/** The explorer's filters; each one absent or empty means "any". */
export interface RequestFilter {
  model?: string;
  user?: string;
  status?: string;
  /** Text that the request id contains (case-insensitive). */
  idContains?: string;
}

/** A predicate that keeps the entries matching every given filter. */
export function matcherOf(filter: RequestFilter): (entry: RequestEntry) => boolean {
  const idText = filter.idContains?.toLowerCase();
  return (entry) =>
    (!filter.model || entry.model === filter.model) &&
    (!filter.user || entry.user === filter.user) &&
    (!filter.status || entry.status === filter.status) &&
    (!idText || entry.id.toLowerCase().includes(idText));
}
