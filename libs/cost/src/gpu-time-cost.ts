/**
 * GPU-time cost for self-hosted models: a model that runs on GPUs you rent or own costs
 * `GPUs x hours x gpu_hourly_usd` whether it is busy or idle, and that cost is shared among the
 * tokens it generated in the same time. The formula, a worked example and the limits are in
 * docs/gpu-cost.md. Pure arithmetic: no clock, no I/O.
 */

/** What one GPU sample says about GPU time: `gpuCount` GPUs held for the `intervalMs` before `sampledAtMs`. */
export interface GpuTimeSample {
  /** Host the GPUs are in; with `sampledAtMs` it identifies a sample, so one read twice counts once. */
  host: string;
  /** When the sample was taken, epoch milliseconds. */
  sampledAtMs: number;
  /** The sampling interval, milliseconds: the sample stands for the interval that ends at `sampledAtMs`. */
  intervalMs: number;
  /** GPUs of the host serving the model. */
  gpuCount: number;
}

/** One accounting window of one model: `[startMs, endMs)` and the GPU time spent in it. */
export interface GpuTimeWindow {
  startMs: number;
  endMs: number;
  /** GPU-seconds: GPUs held by the model x seconds (see gpuSecondsIn). */
  gpuSeconds: number;
}

/** One request of the model: its tokens and when it ran (epoch milliseconds). */
export interface GpuTimeRequest {
  requestId: string;
  startedAtMs: number;
  finishedAtMs: number;
  promptTokens: number;
  completionTokens: number;
}

export interface GpuTimeCostOptions {
  /** Price of one GPU for one hour, US dollars (`gpu_hourly_usd` in MODELS_FILE). */
  gpuHourlyUsd: number;
  /**
   * What one prompt token weighs against one generated token (0 to 1). 0, the default, shares GPU
   * time among generated tokens only, as decode dominates GPU time in most serving workloads;
   * raise it where long prompts with short answers are common.
   */
  promptTokenWeight?: number;
}

export interface WindowGpuCost {
  startMs: number;
  endMs: number;
  gpuSeconds: number;
  /** GPU-seconds x price, US dollars. */
  costUsd: number;
  /** Tokens that ran in the window, prompt tokens weighted (may be fractional: requests spread over windows). */
  weightedTokens: number;
  /** Cost of 1,000 weighted tokens in this window, US dollars; null when no token ran in it. */
  costPer1kTokensUsd: number | null;
  /** Cost of a window in which no token ran (idle GPUs), US dollars: nobody's request carries it. */
  unattributedUsd: number;
}

export interface RequestGpuCost {
  requestId: string;
  /** The request's share of the GPU cost, US dollars. */
  costUsd: number;
  /** The request's share of the GPU time, GPU-seconds. */
  gpuSeconds: number;
  /** The request's weighted tokens that fell inside the windows (the rest belongs to other periods). */
  weightedTokens: number;
}

export interface GpuTimeAttribution {
  windows: WindowGpuCost[];
  requests: RequestGpuCost[];
  /** Cost of all windows, US dollars. */
  totalCostUsd: number;
  /** Part of the total carried by requests. */
  attributedUsd: number;
  /** Part of the total in windows where no token ran. */
  unattributedUsd: number;
}

/** 12 decimals (a millionth of a micro-dollar), as tokenCostUsd does: exact enough, no float noise. */
function roundUsd(value: number): number {
  return Math.round(value * 1e12) / 1e12;
}

function assertFinite(value: number, name: string, min = 0): void {
  if (!Number.isFinite(value) || value < min) throw new RangeError(`${name} must be a finite number >= ${min}, got ${value}`);
}

/**
 * GPU-seconds in `[startMs, endMs)` from GPU samples: each sample covers the interval ending at
 * its `sampledAtMs`, clipped to the window; a sample seen twice (same host and time) counts once.
 */
export function gpuSecondsIn(samples: Iterable<GpuTimeSample>, startMs: number, endMs: number): number {
  const seen = new Set<string>();
  let gpuMs = 0;
  for (const sample of samples) {
    const key = `${sample.host}\u0000${sample.sampledAtMs}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const from = Math.max(startMs, sample.sampledAtMs - sample.intervalMs);
    const to = Math.min(endMs, sample.sampledAtMs);
    if (to > from) gpuMs += (to - from) * sample.gpuCount;
  }
  return gpuMs / 1000;
}

/** Turns GPU time into cost per window, per request and per 1,000 tokens for one model. */
export class GpuTimeCostCalculator {
  private readonly gpuHourlyUsd: number;
  private readonly promptTokenWeight: number;

  constructor(options: GpuTimeCostOptions) {
    assertFinite(options.gpuHourlyUsd, 'gpuHourlyUsd');
    const weight = options.promptTokenWeight ?? 0;
    if (!Number.isFinite(weight) || weight < 0 || weight > 1) throw new RangeError(`promptTokenWeight must be between 0 and 1, got ${weight}`);
    this.gpuHourlyUsd = options.gpuHourlyUsd;
    this.promptTokenWeight = weight;
  }

  /** GPU-seconds x hourly price / 3600, US dollars. */
  costOfGpuSeconds(gpuSeconds: number): number {
    assertFinite(gpuSeconds, 'gpuSeconds');
    return roundUsd((gpuSeconds * this.gpuHourlyUsd) / 3600);
  }

  /** The simple form: the cost of 1,000 tokens when `gpuSeconds` produced `tokens`; null without tokens. */
  costPer1kTokens(gpuSeconds: number, tokens: number): number | null {
    assertFinite(tokens, 'tokens');
    if (tokens === 0) return null;
    return roundUsd((((gpuSeconds * this.gpuHourlyUsd) / 3600) * 1000) / tokens);
  }

  /** A request's tokens as they weigh on GPU time. */
  weightedTokensOf(request: Pick<GpuTimeRequest, 'promptTokens' | 'completionTokens'>): number {
    return request.completionTokens + this.promptTokenWeight * request.promptTokens;
  }

  /**
   * Shares each window's GPU cost among the requests that ran in it, in proportion to their
   * weighted tokens. A request's tokens are spread evenly over its run time, so a request that
   * spans three windows pays a part of each. Windows must not overlap; request time outside every
   * window is not billed here (it belongs to another period).
   */
  attribute(windows: readonly GpuTimeWindow[], requests: readonly GpuTimeRequest[]): GpuTimeAttribution {
    for (const window of windows) {
      if (!(window.endMs > window.startMs)) throw new RangeError(`window [${window.startMs}, ${window.endMs}) is empty`);
      assertFinite(window.gpuSeconds, 'gpuSeconds');
    }
    for (const request of requests) {
      assertFinite(request.promptTokens, 'promptTokens');
      assertFinite(request.completionTokens, 'completionTokens');
      if (!(request.finishedAtMs >= request.startedAtMs)) throw new RangeError(`request ${request.requestId} finishes before it starts`);
    }

    // tokensIn[w][r]: weighted tokens of request r that ran inside window w
    const tokensIn = windows.map((window) => requests.map((request) => this.tokensInside(request, window)));
    const perRequest = requests.map((request) => ({ requestId: request.requestId, costUsd: 0, gpuSeconds: 0, weightedTokens: 0 }));
    let totalCost = 0;
    let unattributed = 0;
    const windowCosts: WindowGpuCost[] = windows.map((window, w) => {
      const costUsd = (window.gpuSeconds * this.gpuHourlyUsd) / 3600;
      const row = tokensIn[w]!;
      const weightedTokens = row.reduce((sum, tokens) => sum + tokens, 0);
      totalCost += costUsd;
      if (weightedTokens === 0) unattributed += costUsd;
      else {
        row.forEach((tokens, r) => {
          const share = tokens / weightedTokens;
          perRequest[r]!.costUsd += costUsd * share;
          perRequest[r]!.gpuSeconds += window.gpuSeconds * share;
          perRequest[r]!.weightedTokens += tokens;
        });
      }
      return {
        startMs: window.startMs,
        endMs: window.endMs,
        gpuSeconds: window.gpuSeconds,
        costUsd: roundUsd(costUsd),
        weightedTokens,
        costPer1kTokensUsd: weightedTokens === 0 ? null : roundUsd((costUsd * 1000) / weightedTokens),
        unattributedUsd: weightedTokens === 0 ? roundUsd(costUsd) : 0,
      };
    });
    return {
      windows: windowCosts,
      requests: perRequest.map((r) => ({ ...r, costUsd: roundUsd(r.costUsd), gpuSeconds: roundUsd(r.gpuSeconds) })),
      totalCostUsd: roundUsd(totalCost),
      attributedUsd: roundUsd(totalCost - unattributed),
      unattributedUsd: roundUsd(unattributed),
    };
  }

  /** Weighted tokens of a request that ran in `[startMs, endMs)`, its tokens spread evenly over its run time. */
  private tokensInside(request: GpuTimeRequest, window: GpuTimeWindow): number {
    const tokens = this.weightedTokensOf(request);
    const duration = request.finishedAtMs - request.startedAtMs;
    if (duration === 0) {
      // an instant request (cached, or timed to the millisecond) belongs to the window it finished in
      return request.finishedAtMs >= window.startMs && request.finishedAtMs < window.endMs ? tokens : 0;
    }
    const overlap = Math.min(window.endMs, request.finishedAtMs) - Math.max(window.startMs, request.startedAtMs);
    return overlap > 0 ? (tokens * overlap) / duration : 0;
  }
}
