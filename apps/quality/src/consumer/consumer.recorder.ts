import { Injectable } from '@nestjs/common';
import { LLM_QUEUE_EVENTS_CONSUMED_TOTAL, LLM_QUEUE_LAG_SECONDS } from '@tokenscope/metrics';
import { GENERATION_EVENTS } from '@tokenscope/queue-contracts';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';

export type ConsumeOutcome = 'processed' | 'duplicate' | 'invalid' | 'failed';

/** The one place where the consumer's facts become metrics. */
@Injectable()
export class ConsumerRecorder {
  constructor(
    @InjectMetric(LLM_QUEUE_EVENTS_CONSUMED_TOTAL) private readonly consumed: Counter<'queue' | 'outcome'>,
    @InjectMetric(LLM_QUEUE_LAG_SECONDS) private readonly lag: Histogram<'queue'>,
  ) {
    for (const outcome of ['processed', 'duplicate', 'invalid', 'failed'] satisfies ConsumeOutcome[]) {
      this.consumed.inc({ queue: GENERATION_EVENTS, outcome }, 0);
    }
    this.lag.zero({ queue: GENERATION_EVENTS });
  }

  outcome(outcome: ConsumeOutcome): void {
    this.consumed.inc({ queue: GENERATION_EVENTS, outcome });
  }

  /** Seconds from the generation's end to its processing; a clock behind the gateway's reads as 0. */
  lagObserved(lagSeconds: number): void {
    this.lag.observe({ queue: GENERATION_EVENTS }, Math.max(0, lagSeconds));
  }
}
