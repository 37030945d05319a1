import type { SimulatorProfile } from '@tokenscope/config';
import { normalDraw } from './rng.js';

/**
 * The simulator's latency model, in the spirit of llm-d's inference simulator:
 *
 *   TTFT = (ttft_base_ms + prefill_ms_per_token × prompt_tokens) × load × jitter
 *   ITL  = inter_token_ms × load × jitter          (drawn afresh for every token)
 *   load = 1 + concurrency_slowdown × (requests in flight on the model − 1)
 *   jitter = max(0.05, 1 + spread × N(0, 1))
 *
 * `speed` multiplies every delay (0 answers instantly, for tests).
 */
export class LatencyModel {
  constructor(
    private readonly profile: Pick<SimulatorProfile, 'ttft_base_ms' | 'prefill_ms_per_token' | 'inter_token_ms' | 'spread' | 'concurrency_slowdown'>,
    private readonly speed: number,
    private readonly random: () => number,
  ) {}

  loadFactor(inFlight: number): number {
    return 1 + this.profile.concurrency_slowdown * Math.max(0, inFlight - 1);
  }

  ttftMs(promptTokens: number, inFlight: number): number {
    const base = this.profile.ttft_base_ms + this.profile.prefill_ms_per_token * promptTokens;
    return base * this.loadFactor(inFlight) * this.jitter() * this.speed;
  }

  interTokenMs(inFlight: number): number {
    return this.profile.inter_token_ms * this.loadFactor(inFlight) * this.jitter() * this.speed;
  }

  private jitter(): number {
    return Math.max(0.05, 1 + this.profile.spread * normalDraw(this.random));
  }
}
