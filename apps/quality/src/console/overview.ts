import type { RequestEntry, ServingFigures, ServingOverview, ServingSeries } from '@tokenscope/console-contract';

/**
 * Nearest-rank percentile (the smallest value with at least p of the values at or below it) of
 * values sorted ascending; null for none. Exact over the kept requests, unlike a histogram's
 * bucket interpolation.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}

/** The figures of a set of requests finished within a window of `windowSeconds`. */
export function figuresOf(entries: readonly RequestEntry[], windowSeconds: number): ServingFigures {
  let success = 0;
  let errors = 0;
  let cancelled = 0;
  let rejected = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let costUsd = 0;
  let reviewed = 0;
  let refusals = 0;
  let checked = 0;
  let ungrounded = 0;
  const ttfts: number[] = [];
  const latencies: number[] = [];
  for (const entry of entries) {
    if (entry.status === 'success') success++;
    else if (entry.status === 'error') errors++;
    else if (entry.status === 'cancelled') cancelled++;
    else if (entry.status === 'rejected') rejected++;
    promptTokens += entry.promptTokens;
    completionTokens += entry.completionTokens;
    costUsd += entry.costUsd;
    if (entry.ttftMs !== null) ttfts.push(entry.ttftMs);
    // latency of what finished normally, as llm_request_latency_seconds observes it
    if (entry.status === 'success') latencies.push(entry.latencyMs);
    if (entry.isRefusal !== null) {
      reviewed++;
      if (entry.isRefusal) refusals++;
    }
    if (entry.grounding === 'grounded' || entry.grounding === 'ungrounded') {
      checked++;
      if (entry.grounding === 'ungrounded') ungrounded++;
    }
  }
  ttfts.sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  const requests = entries.length;
  return {
    requests,
    requestsPerSecond: requests / windowSeconds,
    success,
    errors,
    cancelled,
    rejected,
    errorRate: ratio(errors, requests),
    cancelRate: ratio(cancelled, requests),
    ttftP50Ms: percentile(ttfts, 0.5),
    ttftP95Ms: percentile(ttfts, 0.95),
    latencyP95Ms: percentile(latencies, 0.95),
    promptTokens,
    completionTokens,
    tokensPerSecond: completionTokens / windowSeconds,
    costUsd,
    refusalRate: ratio(refusals, reviewed),
    hallucinationRate: ratio(ungrounded, checked),
  };
}

/**
 * The overview of the requests that finished in (nowMs − windowSeconds, nowMs]: all models
 * together, each model (busiest first), and per-bucket series for the charts.
 */
export function overviewOf(entries: readonly RequestEntry[], nowMs: number, windowSeconds: number, bucketSeconds: number): ServingOverview {
  const startMs = nowMs - windowSeconds * 1000;
  const inWindow = entries.filter((e) => e.finishedAtMs > startMs && e.finishedAtMs <= nowMs);
  const byModel = new Map<string, RequestEntry[]>();
  for (const entry of inWindow) {
    const list = byModel.get(entry.model) ?? [];
    list.push(entry);
    byModel.set(entry.model, list);
  }
  const models = [...byModel.entries()]
    .map(([model, list]) => ({ model, ...figuresOf(list, windowSeconds) }))
    .sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));

  const bucketCount = Math.ceil(windowSeconds / bucketSeconds);
  const buckets: RequestEntry[][] = Array.from({ length: bucketCount }, () => []);
  for (const entry of inWindow) {
    const index = Math.min(bucketCount - 1, Math.floor((entry.finishedAtMs - startMs - 1) / (bucketSeconds * 1000)));
    buckets[Math.max(0, index)]!.push(entry);
  }
  const series: ServingSeries = { t: [], requestsPerSecond: [], errorRate: [], ttftP95Ms: [], latencyP95Ms: [], tokensPerSecond: [] };
  buckets.forEach((bucket, i) => {
    const figures = figuresOf(bucket, bucketSeconds);
    series.t.push(Math.floor(startMs / 1000) + i * bucketSeconds);
    series.requestsPerSecond.push(figures.requestsPerSecond);
    series.errorRate.push(figures.errorRate);
    series.ttftP95Ms.push(figures.ttftP95Ms);
    series.latencyP95Ms.push(figures.latencyP95Ms);
    series.tokensPerSecond.push(figures.tokensPerSecond);
  });
  return { windowSeconds, bucketSeconds, total: figuresOf(inWindow, windowSeconds), models, series };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}
