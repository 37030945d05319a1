import { Injectable } from '@nestjs/common';
import { LLM_QUALITY_VERDICTS_TOTAL, LLM_QUEUE_EVENTS_CONSUMED_TOTAL, LLM_QUEUE_LAG_SECONDS } from '@tokenscope/metrics';
import { GENERATION_EVENTS } from '@tokenscope/queue-contracts';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import type { DetectorReading } from '../detectors/detector-suite.js';

export type ConsumeOutcome = 'processed' | 'duplicate' | 'invalid' | 'failed';

/** The one place where the consumer's facts become metrics. */
@Injectable()
export class ConsumerRecorder {
  constructor(
    @InjectMetric(LLM_QUEUE_EVENTS_CONSUMED_TOTAL) private readonly consumed: Counter<'queue' | 'outcome'>,
    @InjectMetric(LLM_QUEUE_LAG_SECONDS) private readonly lag: Histogram<'queue'>,
    @InjectMetric(LLM_QUALITY_VERDICTS_TOTAL) private readonly verdictsGiven: Counter<'signal' | 'version' | 'verdict'>,
  ) {
    for (const outcome of ['processed', 'duplicate', 'invalid', 'failed'] satisfies ConsumeOutcome[]) {
      this.consumed.inc({ queue: GENERATION_EVENTS, outcome }, 0);
    }
    this.lag.zero({ queue: GENERATION_EVENTS });
  }

  outcome(outcome: ConsumeOutcome): void {
    this.consumed.inc({ queue: GENERATION_EVENTS, outcome });
  }

  /** Each detector's verdict on a processed generation, by its version (a fixed set: the configured detectors). */
  verdicts(readings: readonly DetectorReading[]): void {
    for (const reading of readings) {
      this.verdictsGiven.inc({ signal: reading.signal, version: reading.version, verdict: reading.verdict.status });
    }
  }

  /** Seconds from the generation's end to its processing; a clock behind the gateway's reads as 0. */
  lagObserved(lagSeconds: number): void {
    this.lag.observe({ queue: GENERATION_EVENTS }, Math.max(0, lagSeconds));
  }
}
