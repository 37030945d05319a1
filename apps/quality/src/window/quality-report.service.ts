import { Inject, Injectable } from '@nestjs/common';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import { QUALITY_STORE, type QualityStore } from '../store/quality-store.js';
import { ratesOf } from './window-rates.js';

/** `GET /v1/quality`: the shared window's counts and rates (null when a denominator is 0). */
export interface QualityReport {
  window: {
    size: number;
    generations: number;
    refusals: number;
    checked: number;
    ungrounded: number;
    votes: number;
    thumbs_up: number;
    thumbs_down: number;
  };
  rates: {
    refusal_rate: number | null;
    hallucination_rate: number | null;
    user_satisfaction: number | null;
  };
}

@Injectable()
export class QualityReportService {
  constructor(
    @Inject(QUALITY_STORE) private readonly store: QualityStore,
    @Inject(QUALITY_CONFIG) private readonly config: QualityConfig,
  ) {}

  async report(): Promise<QualityReport> {
    const counts = await this.store.window();
    const rates = ratesOf(counts);
    return {
      window: {
        size: this.config.QUALITY_WINDOW_SIZE,
        generations: counts.generations,
        refusals: counts.refusals,
        checked: counts.checked,
        ungrounded: counts.ungrounded,
        votes: counts.votes,
        thumbs_up: counts.up,
        thumbs_down: counts.votes - counts.up,
      },
      rates: { refusal_rate: rates.refusalRate, hallucination_rate: rates.hallucinationRate, user_satisfaction: rates.userSatisfaction },
    };
  }
}
