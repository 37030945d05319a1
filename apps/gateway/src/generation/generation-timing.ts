/**
 * TPOT as the product defines it (docs/metrics.md): (latency − TTFT) / (tokens − 1), the pace of the answer after
 * its first token. Undefined for answers of fewer than two tokens (nothing to divide) and when
 * no first token was seen.
 */
export function tpotSeconds(latencySeconds: number, ttftSeconds: number | undefined, completionTokens: number): number | undefined {
  if (ttftSeconds === undefined || completionTokens < 2) return undefined;
  return Math.max(0, latencySeconds - ttftSeconds) / (completionTokens - 1);
}

export interface GenerationTimings {
  ttftMs: number | null;
  tpotMs: number | null;
  latencyMs: number;
}

export function timingsOf(latencyMs: number, ttftMs: number | undefined, completionTokens: number): GenerationTimings {
  const tpot = tpotSeconds(latencyMs / 1000, ttftMs === undefined ? undefined : ttftMs / 1000, completionTokens);
  return { ttftMs: ttftMs ?? null, tpotMs: tpot === undefined ? null : tpot * 1000, latencyMs };
}
