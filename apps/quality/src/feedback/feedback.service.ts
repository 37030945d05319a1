import { Inject, Injectable, Logger } from '@nestjs/common';
import { LabelGuard, LLM_FEEDBACK_TOTAL } from '@tokenscope/metrics';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { CLOCK, type Clock } from '../clock.js';
import { emitVoteEvent } from '../evaluation/evaluation-events.js';
import type { Caller } from '../http/api-keys.js';
import { MODEL_LABELS } from '../model-labels.js';
import { QualityError } from '../quality.errors.js';
import { QUALITY_STORE, type QualityStore } from '../store/quality-store.js';
import type { FeedbackBody, FeedbackResult } from './feedback.dto.js';

const RESULT_STATUS = { new: 'recorded', changed: 'replaced', same: 'unchanged' } as const;

/**
 * Votes on generations. A vote needs the request record the gateway writes before it ends a
 * response, not the generation event, so it works while the queue is behind; it never creates
 * a generation (the seed's mistake). The latest vote counts; each request is counted once in
 * llm_feedback_total, with the rating of its first vote.
 */
@Injectable()
export class FeedbackService {
  private readonly logger = new Logger('feedback');

  constructor(
    @Inject(QUALITY_STORE) private readonly store: QualityStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MODEL_LABELS) private readonly models: LabelGuard,
    @InjectMetric(LLM_FEEDBACK_TOTAL) private readonly feedbackTotal: Counter<'model' | 'rating'>,
  ) {
    // every series exists from the start, so rate() and dashboards work before the first vote
    for (const model of models.values) for (const rating of ['up', 'down']) this.feedbackTotal.inc({ model, rating }, 0);
  }

  async submit(body: FeedbackBody, caller: Caller): Promise<FeedbackResult> {
    const record = await this.store.requestRecord(body.request_id);
    if (!record) throw new QualityError('REQUEST_NOT_FOUND', 'request_id: no such request (unknown, or older than the request records kept)');
    if (caller.kind === 'key' && caller.userId !== record.userId) throw new QualityError('FORBIDDEN', 'request_id: the request belongs to another user');
    const isThumbsUp = body.thumbs_up;
    const outcome = await this.store.recordVote({
      requestId: body.request_id,
      isThumbsUp,
      comment: body.comment ?? undefined,
      atMs: this.clock.now(),
      ownerUserId: record.userId,
      model: record.model,
    });
    // the record expired between the two round trips
    if (outcome.status === 'missing') throw new QualityError('REQUEST_NOT_FOUND', 'request_id: no such request (unknown, or older than the request records kept)');
    const rating = isThumbsUp ? 'up' : 'down';
    const model = this.models.value(record.model);
    if (outcome.status === 'new') this.feedbackTotal.inc({ model, rating });
    if (outcome.status !== 'same') emitVoteEvent(body.request_id, isThumbsUp, record.traceparent);
    this.logger.log({ model, rating, vote: outcome.status, in_window: outcome.isInWindow }, 'feedback recorded');
    return { request_id: body.request_id, thumbs_up: isThumbsUp, status: RESULT_STATUS[outcome.status] };
  }
}
