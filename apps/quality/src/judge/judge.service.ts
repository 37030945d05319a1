import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { CostCalendar, type PriceTable } from '@tokenscope/cost';
import type { GenerationCompleted } from '@tokenscope/queue-contracts';
import { GEN_AI_EVALUATION_RESULT, tracer } from '@tokenscope/tracing';
import { CLOCK, type Clock } from '../clock.js';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import type { QualityVerdict } from '../detectors/detector-suite.js';
import type { QualitySignal } from '../detectors/quality-detector.js';
import { JudgeCallError, type JudgeClient } from './judge-client.js';
import type { JudgeBudget } from './judge-budget.js';
import { judgeMessages, judgeVersion, parseVerdict } from './judge-rubric.js';
import { type JudgeFacts, JudgeRecorder } from './judge.recorder.js';

export const JUDGE_CLIENT = Symbol('JUDGE_CLIENT');
export const JUDGE_BUDGET = Symbol('JUDGE_BUDGET');
export const JUDGE_PRICES = Symbol('JUDGE_PRICES');
/** Where the sampling draws come from (tests pass a fixed one). */
export const JUDGE_RANDOM = Symbol('JUDGE_RANDOM');

/** Longest wait for judge calls in flight at shutdown. */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * The LLM-as-judge detector: reviews a sampled share of successful generations through the
 * gateway, after the rules' verdict was counted (the consumer never waits for it), with at most
 * QUALITY_JUDGE_CONCURRENCY calls in flight per replica (a sample finding them busy is dropped
 * and counted, never queued) and within a daily budget shared through Redis. Its verdict does
 * not change the window (the alerting rates stay the rules', on every generation); it is reported
 * beside them: per-version verdict counts, disagreements with the rules, and a
 * `gen_ai.evaluation.result` event, so "judge wins where it judged" can be read off the metrics.
 */
@Injectable()
export class JudgeService implements OnModuleDestroy {
  private readonly logger = new Logger('judge');
  private readonly calendar: CostCalendar;
  private readonly inFlight = new Set<Promise<void>>();
  readonly version: string | undefined;

  constructor(
    @Inject(QUALITY_CONFIG) private readonly config: QualityConfig,
    @Inject(JUDGE_CLIENT) private readonly client: JudgeClient | undefined,
    @Inject(JUDGE_BUDGET) private readonly budget: JudgeBudget | undefined,
    @Inject(JUDGE_PRICES) private readonly prices: PriceTable,
    @Inject(JUDGE_RANDOM) private readonly random: () => number,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly recorder: JudgeRecorder,
  ) {
    this.calendar = new CostCalendar(config.COST_TIMEZONE);
    this.version = config.QUALITY_JUDGE_MODEL ? judgeVersion(config.QUALITY_JUDGE_MODEL) : undefined;
    if (this.version) recorder.zero();
  }

  /** Whether a generation is the judge's own call (never judged, never counted in the window). */
  isJudgeCall(event: GenerationCompleted): boolean {
    return this.version !== undefined && event.userId === this.config.QUALITY_JUDGE_USER;
  }

  /** Samples a reviewed generation for the judge; returns at once (the review runs in the background). */
  consider(event: GenerationCompleted, rules: QualityVerdict): void {
    if (!this.version || !this.client || this.isJudgeCall(event)) return;
    if (this.random() >= this.config.QUALITY_JUDGE_SAMPLE_RATE) return;
    const signals: QualitySignal[] = ['refusal'];
    if (!rules.isRefusal && event.context && event.context.length > 0) signals.push('hallucination');
    for (const signal of signals) {
      const isRulesFlagged = signal === 'refusal' ? rules.isRefusal : rules.grounding === 'ungrounded';
      if (this.inFlight.size >= this.config.QUALITY_JUDGE_CONCURRENCY) {
        this.recorder.record({ signal, outcome: 'dropped', version: this.version, isRulesFlagged });
        continue;
      }
      const run = this.judge(event, signal, isRulesFlagged)
        .then((facts) => this.recorder.record(facts))
        .catch((error: unknown) => this.logger.warn({ request_id: event.requestId, err: (error as Error).message }, 'judge review failed'))
        .finally(() => this.inFlight.delete(run));
      this.inFlight.add(run);
    }
  }

  /** Judge calls in flight now (for tests and shutdown). */
  get pending(): number {
    return this.inFlight.size;
  }

  async onModuleDestroy(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }

  private async judge(event: GenerationCompleted, signal: QualitySignal, isRulesFlagged: boolean): Promise<JudgeFacts> {
    const version = this.version!;
    const model = this.config.QUALITY_JUDGE_MODEL!;
    const day = this.calendar.dayOf(this.clock.now());
    try {
      if (!(await this.budget!.hasBudget(day))) return { signal, outcome: 'skipped_budget', version, isRulesFlagged };
    } catch {
      return { signal, outcome: 'error', version, isRulesFlagged };
    }
    const startedMs = performance.now();
    const elapsed = () => (performance.now() - startedMs) / 1000;
    let facts: JudgeFacts;
    try {
      const reply = await this.client!.complete(judgeMessages(signal, event.output, event.context, event.question));
      const costUsd = this.prices.costOf(model, { promptTokens: reply.promptTokens, completionTokens: reply.completionTokens }).costUsd;
      await this.budget!.spend(day, costUsd);
      const verdict = parseVerdict(signal, reply.text);
      facts = verdict
        ? { signal, outcome: 'ok', version, latencySeconds: elapsed(), costUsd, verdict, isRulesFlagged }
        : { signal, outcome: 'malformed', version, latencySeconds: elapsed(), costUsd, isRulesFlagged };
    } catch (error) {
      const outcome = error instanceof JudgeCallError ? error.kind : 'error';
      facts = { signal, outcome, version, latencySeconds: elapsed(), isRulesFlagged };
    }
    if (facts.verdict) emitJudgeEvent(event, signal, facts.verdict, version);
    this.logger.debug({ request_id: event.requestId, signal, outcome: facts.outcome, verdict: facts.verdict }, 'generation judged');
    return facts;
  }
}

/**
 * The judge's verdict as a `gen_ai.evaluation.result` event: it arrives after the generation's
 * processing span ended, so it goes on a short span of its own naming the generation by
 * `gen_ai.response.id`, carrying the generation's trace when the event had one.
 */
function emitJudgeEvent(event: GenerationCompleted, signal: QualitySignal, verdict: 'flagged' | 'clear', version: string): void {
  const isFlagged = verdict === 'flagged';
  const span = tracer().startSpan('quality judge', { attributes: { 'gen_ai.response.id': event.requestId } });
  span.addEvent(GEN_AI_EVALUATION_RESULT, {
    'gen_ai.evaluation.name': signal === 'refusal' ? 'refusal' : 'groundedness',
    'gen_ai.evaluation.score.value': signal === 'refusal' ? (isFlagged ? 1 : 0) : isFlagged ? 0 : 1,
    'gen_ai.evaluation.score.label': signal === 'refusal' ? (isFlagged ? 'refusal' : 'answer') : isFlagged ? 'ungrounded' : 'grounded',
    'gen_ai.evaluation.explanation': version,
    'tokenscope.detector.version': version,
    'gen_ai.response.id': event.requestId,
  });
  span.end();
}
