import { context, type Span } from '@opentelemetry/api';
import { extractTraceContext, GEN_AI_EVALUATION_RESULT, tracer } from '@tokenscope/tracing';
import type { DetectorReading, QualityVerdict } from '../detectors/detector-suite.js';

/** `gen_ai.evaluation.name` of each quality signal. */
const EVALUATION_NAMES = { refusal: 'refusal', hallucination: 'groundedness' } as const;

/**
 * Score and label of one detector's answer. Refusal: 1 refused, 0 answered. Groundedness: the
 * share of the answer the context supports (1 − the detector's unsupported share), so that for
 * both a higher score reads as "more of what the name says".
 */
function scoreOf(reading: DetectorReading): { value: number | undefined; label: string } {
  const isFlagged = reading.verdict.status === 'flagged';
  if (reading.signal === 'refusal') return { value: reading.verdict.score ?? (isFlagged ? 1 : 0), label: isFlagged ? 'refusal' : 'answer' };
  const unsupported = reading.verdict.score;
  return { value: unsupported === undefined ? undefined : 1 - unsupported, label: isFlagged ? 'ungrounded' : 'grounded' };
}

/**
 * One `gen_ai.evaluation.result` event per detector that judged the generation, on the span that
 * processes its event (a child of the generation's llm_generate span, through the context carried
 * in the job). Detectors with nothing to judge (`not_checked`) emit none.
 */
export function emitEvaluationEvents(span: Span, responseId: string, verdict: QualityVerdict): void {
  for (const reading of verdict.readings ?? []) {
    if (reading.verdict.status === 'not_checked') continue;
    const score = scoreOf(reading);
    span.addEvent(GEN_AI_EVALUATION_RESULT, {
      'gen_ai.evaluation.name': EVALUATION_NAMES[reading.signal],
      ...(score.value === undefined ? {} : { 'gen_ai.evaluation.score.value': score.value }),
      'gen_ai.evaluation.score.label': score.label,
      // a fixed phrase of the detector, never text from the generation
      ...(reading.verdict.reason ? { 'gen_ai.evaluation.explanation': `${reading.detector}: ${reading.verdict.reason}` } : { 'gen_ai.evaluation.explanation': reading.detector }),
      'gen_ai.response.id': responseId,
      // a change of detector must read as one on dashboards, not as a change of the model
      'tokenscope.detector.version': reading.version,
    });
  }
}

/**
 * A vote as a `gen_ai.evaluation.result` event (`user_feedback`: 1 thumbs up, 0 down). The vote
 * comes in its own HTTP request, which carries no context of the generation's trace: the event
 * goes on a short span of its own and names the generation by `gen_ai.response.id`, as the
 * conventions ask when the evaluated span cannot be the parent.
 */
export function emitVoteEvent(responseId: string, isThumbsUp: boolean, generationTraceparent: string | undefined): void {
  // under the generation it judges when its record carries the trace (gateways since December 2026)
  const parent = generationTraceparent ? extractTraceContext({ traceparent: generationTraceparent }) : context.active();
  const span = tracer().startSpan('feedback', { attributes: { 'gen_ai.response.id': responseId } }, parent);
  span.addEvent(GEN_AI_EVALUATION_RESULT, {
    'gen_ai.evaluation.name': 'user_feedback',
    'gen_ai.evaluation.score.value': isThumbsUp ? 1 : 0,
    'gen_ai.evaluation.score.label': isThumbsUp ? 'thumbs_up' : 'thumbs_down',
    'gen_ai.response.id': responseId,
  });
  span.end();
}
