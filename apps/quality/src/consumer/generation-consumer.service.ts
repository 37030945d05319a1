import { Inject, Injectable, Logger } from '@nestjs/common';
import { CostCalendar } from '@tokenscope/cost';
import type { GenerationCompleted } from '@tokenscope/queue-contracts';
import { CLOCK, type Clock } from '../clock.js';
import { RequestLogWriter } from '../console/request-log.writer.js';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import { DetectorSuite, type QualityVerdict } from '../detectors/detector-suite.js';
import { JudgeService } from '../judge/judge.service.js';
import { QUALITY_STORE, type QualityStore } from '../store/quality-store.js';
import { ConsumerRecorder } from './consumer.recorder.js';

const NOT_REVIEWED: QualityVerdict = { isRefusal: false, grounding: 'not_checked' };

/**
 * Turns one generation event into the window and the cost ledger: detectors on a successful
 * generation, then one atomic store write that is a no-op when the gateway's own request id
 * was counted before (the caller's id is never the key: a reused one is still each request). Cost counts whatever the status (a cancelled stream still spent tokens); the window
 * holds successful generations only.
 */
@Injectable()
export class GenerationConsumer {
  private readonly logger = new Logger('consumer');
  private readonly calendar: CostCalendar;

  constructor(
    private readonly detectors: DetectorSuite,
    @Inject(QUALITY_STORE) private readonly store: QualityStore,
    @Inject(QUALITY_CONFIG) config: QualityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly recorder: ConsumerRecorder,
    private readonly requestLog: RequestLogWriter,
    private readonly judge: JudgeService,
  ) {
    this.calendar = new CostCalendar(config.COST_TIMEZONE);
  }

  async consume(event: GenerationCompleted): Promise<{ outcome: 'processed' | 'duplicate'; verdict: QualityVerdict }> {
    // an embedding is billed like any request but has no answer to judge: it stays out of the window;
    // so does the judge's own call (a verdict in JSON), which is billed too
    const isSuccess = event.status === 'success' && event.endpoint !== 'embeddings' && !this.judge.isJudgeCall(event);
    // the question, when the gateway sent one, lets a short answer's words come from it ("Which sea?" "The Black Sea.")
    const generation = { requestId: event.requestId, model: event.model, output: event.output, context: event.context, prompt: event.question ?? undefined };
    const verdict = isSuccess ? await this.detectors.review(generation) : NOT_REVIEWED;
    const outcome = await this.store.ingest({
      requestId: event.requestId,
      publicId: event.publicId,
      userId: event.userId,
      model: event.model,
      isSuccess,
      isRefusal: verdict.isRefusal,
      grounding: verdict.grounding,
      costUsd: event.costUsd,
      costDay: this.calendar.dayOf(event.finishedAtMs),
      status: event.status,
      finishedAtMs: event.finishedAtMs,
    });
    // whatever the outcome: a retry after a failed write fills the console's entry in (the write is idempotent)
    await this.requestLog.write(event, verdict);
    this.recorder.outcome(outcome);
    if (outcome === 'processed') {
      this.recorder.lagObserved((this.clock.now() - event.finishedAtMs) / 1000);
      this.recorder.verdicts(verdict.readings ?? []);
      // after the write, never awaited: the judge's verdict is reported beside the window's counts
      if (isSuccess) this.judge.consider(event, verdict);
    }
    this.logger.debug({ request_id: event.requestId, public_id: event.publicId, model: event.model, outcome, refusal: verdict.isRefusal, grounding: verdict.grounding }, 'generation reviewed');
    return { outcome, verdict };
  }
}
