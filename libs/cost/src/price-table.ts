/** Token prices of one model, in US dollars per 1,000 tokens. */
export interface TokenPrice {
  inputPer1kUsd: number;
  outputPer1kUsd: number;
  /** Price of prompt tokens served from the upstream's prompt cache; without it they cost `inputPer1kUsd`. */
  cachedInputPer1kUsd?: number;
}

/** How a model is billed: by tokens (hosted APIs) or by GPU time (self-hosted). */
export interface ModelPricing {
  tokens?: TokenPrice;
  /** Price of one GPU for one hour, in US dollars, for self-hosted models. */
  gpuHourlyUsd?: number;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens the upstream served from its prompt cache: a part of `promptTokens`, not in addition to it. */
  cachedPromptTokens?: number;
}

/**
 * `tokens`: priced from the usage; `gpu_time`: the model is billed by GPU time, which the
 * accounting side attributes later from GPU samples; `unpriced`: the model has no price at all,
 * which callers must flag rather than bill as $0.
 */
export type CostBasis = 'tokens' | 'gpu_time' | 'unpriced';

export interface RequestCost {
  costUsd: number;
  basis: CostBasis;
}

/** Prices per model; a pure lookup with no I/O. */
export class PriceTable {
  private readonly pricing: ReadonlyMap<string, ModelPricing>;

  constructor(pricing: Iterable<[model: string, pricing: ModelPricing]>) {
    this.pricing = new Map(pricing);
  }

  pricingOf(model: string): ModelPricing | undefined {
    return this.pricing.get(model);
  }

  /** The token cost of one request; gpu-time and unpriced models cost 0 here and say why. */
  costOf(model: string, usage: TokenUsage): RequestCost {
    const pricing = this.pricing.get(model);
    if (pricing?.tokens) return { costUsd: tokenCostUsd(pricing.tokens, usage), basis: 'tokens' };
    if (pricing?.gpuHourlyUsd !== undefined) return { costUsd: 0, basis: 'gpu_time' };
    return { costUsd: 0, basis: 'unpriced' };
  }
}

export function tokenCostUsd(price: TokenPrice, usage: TokenUsage): number {
  // cached tokens are inside promptTokens: they move from the input price to the cached price, never counted twice
  const cached = price.cachedInputPer1kUsd === undefined ? 0 : Math.min(usage.cachedPromptTokens ?? 0, usage.promptTokens);
  const input = (usage.promptTokens - cached) * price.inputPer1kUsd + cached * (price.cachedInputPer1kUsd ?? 0);
  const cost = (input + usage.completionTokens * price.outputPer1kUsd) / 1000;
  // 12 decimals (a millionth of a micro-dollar) keeps sums exact enough and drops float noise
  return Math.round(cost * 1e12) / 1e12;
}
