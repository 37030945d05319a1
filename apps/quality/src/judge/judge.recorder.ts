import { Injectable } from '@nestjs/common';
import {
  JUDGE_OUTCOMES,
  LLM_QUALITY_JUDGE_COST_DOLLARS_TOTAL,
  LLM_QUALITY_JUDGE_DISAGREEMENTS_TOTAL,
  LLM_QUALITY_JUDGE_LATENCY_SECONDS,
  LLM_QUALITY_JUDGE_REQUESTS_TOTAL,
  LLM_QUALITY_VERDICTS_TOTAL,
} from '@tokenscope/metrics';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import type { QualitySignal } from '../detectors/quality-detector.js';

export type JudgeOutcome = (typeof JUDGE_OUTCOMES)[number];

/** The facts of one sampled judge review, whatever happened to it. */
export interface JudgeFacts {
  signal: QualitySignal;
  outcome: JudgeOutcome;
  /** The judge's version (`judge:<model>@rubric-2`). */
  version: string;
  /** Seconds of the call; absent when no call was made (skipped_budget, dropped). */
  latencySeconds?: number;
  costUsd?: number;
  /** The judge's verdict (outcome ok only). */
  verdict?: 'flagged' | 'clear';
  /** Whether the rules flagged the same generation for this signal. */
  isRulesFlagged: boolean;
}

/** The one place where the judge's facts become metrics. */
@Injectable()
export class JudgeRecorder {
  constructor(
    @InjectMetric(LLM_QUALITY_JUDGE_REQUESTS_TOTAL) private readonly requests: Counter<'signal' | 'outcome'>,
    @InjectMetric(LLM_QUALITY_JUDGE_LATENCY_SECONDS) private readonly latency: Histogram<'signal'>,
    @InjectMetric(LLM_QUALITY_JUDGE_COST_DOLLARS_TOTAL) private readonly cost: Counter,
    @InjectMetric(LLM_QUALITY_JUDGE_DISAGREEMENTS_TOTAL) private readonly disagreements: Counter<'signal' | 'judge_verdict'>,
    @InjectMetric(LLM_QUALITY_VERDICTS_TOTAL) private readonly verdicts: Counter<'signal' | 'version' | 'verdict'>,
  ) {}

  /** Zero series for a configured judge, so that dashboards and rate() see them from the start. */
  zero(): void {
    for (const signal of ['refusal', 'hallucination'] satisfies QualitySignal[]) {
      for (const outcome of JUDGE_OUTCOMES) this.requests.inc({ signal, outcome }, 0);
      for (const judgeVerdict of ['flagged', 'clear']) this.disagreements.inc({ signal, judge_verdict: judgeVerdict }, 0);
      this.latency.zero({ signal });
    }
    this.cost.inc(0);
  }

  record(facts: JudgeFacts): void {
    this.requests.inc({ signal: facts.signal, outcome: facts.outcome });
    if (facts.latencySeconds !== undefined) this.latency.observe({ signal: facts.signal }, facts.latencySeconds);
    if (facts.costUsd !== undefined && facts.costUsd > 0) this.cost.inc(facts.costUsd);
    if (facts.verdict === undefined) return;
    this.verdicts.inc({ signal: facts.signal, version: facts.version, verdict: facts.verdict });
    if ((facts.verdict === 'flagged') !== facts.isRulesFlagged) this.disagreements.inc({ signal: facts.signal, judge_verdict: facts.verdict });
  }
}
