import { Injectable, Logger } from '@nestjs/common';
import {
  LabelGuard,
  LLM_ACTIVE_REQUESTS,
  LLM_COST_DOLLARS_TOTAL,
  LLM_PROMPT_TOKENS_TOTAL,
  LLM_REQUEST_ERRORS_TOTAL,
  LLM_REQUEST_LATENCY_SECONDS,
  LLM_REQUESTS_TOTAL,
  LLM_TOKENS_GENERATED_TOTAL,
  LLM_TPOT_SECONDS,
  LLM_TTFT_SECONDS,
  LLM_UNPRICED_REQUESTS_TOTAL,
  LLM_USAGE_ESTIMATED_TOTAL,
  LLM_CACHED_PROMPT_TOKENS_TOTAL,
  LLM_REASONING_TOKENS_TOTAL,
  LLM_UPSTREAM_TTFT_SECONDS,
  LLM_GATEWAY_TTFT_OVERHEAD_SECONDS,
  LIMIT_REASONS,
  LLM_LIMITED_REQUESTS_TOTAL,
} from '@tokenscope/metrics';
import { randomUUID } from 'node:crypto';
import { boundEventContext, boundEventOutput, boundEventQuestion, type GenerationCompleted } from '@tokenscope/queue-contracts';
import { isSampledCarrier } from '@tokenscope/tracing';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { GenerationInput } from '../backends/backend.js';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { ModelCatalog } from '../config/model-catalog.js';
import { GenerationEventsPublisher } from '../events/generation-events.publisher.js';
import { GenAiTelemetry } from '../genai/genai-telemetry.js';
import { ERROR_MAPPINGS } from '../http/error-mapping.js';
import type { GenerationOutcome, RequestIds } from './generation-outcome.js';
import { tpotSeconds } from './generation-timing.js';
import type { GenerationErrorCode } from './generation.errors.js';

/** The refusals llm_limited_requests_total counts, by the limit that refused. */
const LIMIT_REASON_OF: Partial<Record<GenerationErrorCode, (typeof LIMIT_REASONS)[number]>> = {
  RATE_LIMITED_REQUESTS: 'requests_per_minute',
  RATE_LIMITED_TOKENS: 'tokens_per_minute',
  BUDGET_EXCEEDED: 'daily_budget',
  OVERLOADED: 'concurrency',
};

/**
 * The one place where a finished request becomes measurements: metrics, the completion log
 * line and the generation event. Domain code only reports facts (GenerationOutcome).
 */
@Injectable()
export class GenerationRecorder {
  private readonly logger = new Logger('generation');
  private readonly unpricedModelsLogged = new Set<string>();
  /** `model` label: the configured models, anything else `unknown` (a rejected request may name any model). */
  private readonly models: LabelGuard;
  /** `code` label: the stable error codes. */
  private readonly codes = new LabelGuard([...Object.keys(ERROR_MAPPINGS), 'CLIENT_GONE'], 'OTHER');
  /**
   * The ids of the requests being served, by public id (unique among them: a caller's id is
   * served under its own name only once it is claimed in Redis), so that an outcome that names
   * its request by the id the client sees is published under the gateway's own id.
   */
  private readonly inFlight = new Map<string, RequestIds>();

  constructor(
    catalog: ModelCatalog,
    private readonly events: GenerationEventsPublisher,
    @InjectMetric(LLM_REQUESTS_TOTAL) private readonly requests: Counter<'model' | 'status'>,
    @InjectMetric(LLM_REQUEST_LATENCY_SECONDS) private readonly latency: Histogram<'model'>,
    @InjectMetric(LLM_TTFT_SECONDS) private readonly ttft: Histogram<'model'>,
    @InjectMetric(LLM_TPOT_SECONDS) private readonly tpot: Histogram<'model'>,
    @InjectMetric(LLM_TOKENS_GENERATED_TOTAL) private readonly completionTokens: Counter<'model'>,
    @InjectMetric(LLM_PROMPT_TOKENS_TOTAL) private readonly promptTokens: Counter<'model'>,
    @InjectMetric(LLM_ACTIVE_REQUESTS) private readonly active: Gauge,
    @InjectMetric(LLM_COST_DOLLARS_TOTAL) private readonly cost: Counter<'model'>,
    @InjectMetric(LLM_REQUEST_ERRORS_TOTAL) private readonly errors: Counter<'model' | 'code'>,
    @InjectMetric(LLM_USAGE_ESTIMATED_TOTAL) private readonly usageEstimated: Counter<'model'>,
    @InjectMetric(LLM_UNPRICED_REQUESTS_TOTAL) private readonly unpriced: Counter<'model'>,
    @InjectMetric(LLM_CACHED_PROMPT_TOKENS_TOTAL) private readonly cachedPromptTokens: Counter<'model'>,
    @InjectMetric(LLM_REASONING_TOKENS_TOTAL) private readonly reasoningTokens: Counter<'model'>,
    @InjectMetric(LLM_UPSTREAM_TTFT_SECONDS) private readonly upstreamTtft: Histogram<'model'>,
    @InjectMetric(LLM_GATEWAY_TTFT_OVERHEAD_SECONDS) private readonly ttftOverhead: Histogram<'model'>,
    @InjectMetric(LLM_LIMITED_REQUESTS_TOTAL) private readonly limited: Counter<'reason'>,
    private readonly genAi: GenAiTelemetry,
  ) {
    for (const reason of LIMIT_REASONS) this.limited.inc({ reason }, 0);
    this.models = new LabelGuard(catalog.names);
    // models discovered from the upstream after boot join the closed set and get their series at 0
    catalog.onModels((models) => {
      this.models.allow(models.map((m) => m.name));
      for (const model of models) this.initialiseModel(model.name);
    });
  }

  /** Pre-creates a model's series at 0 so rates and ratios exist before the first request. */
  initialiseModel(model: string): void {
    for (const status of ['success', 'error', 'cancelled', 'rejected']) this.requests.inc({ model, status }, 0);
    this.completionTokens.inc({ model }, 0);
    this.promptTokens.inc({ model }, 0);
    this.cachedPromptTokens.inc({ model }, 0);
    this.reasoningTokens.inc({ model }, 0);
    this.cost.inc({ model }, 0);
  }

  requestStarted(ids: RequestIds): void {
    this.active.inc();
    this.inFlight.set(ids.publicId, ids);
  }

  requestEnded(ids: RequestIds): void {
    this.active.dec();
    this.inFlight.delete(ids.publicId);
  }

  record(outcome: GenerationOutcome): void {
    // never keyed by a caller's id: an unknown request gets an id of its own
    const ids = outcome.ids ?? this.inFlight.get(outcome.requestId) ?? { publicId: outcome.requestId, requestId: randomUUID(), clientRequestId: undefined };
    const model = this.models.value(outcome.model);
    this.requests.inc({ model, status: outcome.status });
    const exemplarLabels = outcome.traceId && isSampledCarrier(outcome.trace) ? { trace_id: outcome.traceId } : {};
    if (outcome.ttftMs !== undefined) this.ttft.observe({ labels: { model }, value: outcome.ttftMs / 1000, exemplarLabels } as never);
    if (outcome.ttftMs !== undefined && outcome.upstreamTtftMs !== undefined) {
      this.upstreamTtft.observe({ model }, outcome.upstreamTtftMs / 1000);
      this.ttftOverhead.observe({ model }, Math.max(0, outcome.ttftMs - outcome.upstreamTtftMs) / 1000);
    }
    if (outcome.status === 'success') {
      this.latency.observe({ labels: { model }, value: outcome.latencyMs / 1000, exemplarLabels } as never);
      const tpot = tpotSeconds(outcome.latencyMs / 1000, outcome.ttftMs === undefined ? undefined : outcome.ttftMs / 1000, outcome.completionTokens);
      if (tpot !== undefined) this.tpot.observe({ model }, tpot);
    }
    if (outcome.completionTokens > 0) this.completionTokens.inc({ model }, outcome.completionTokens);
    if (outcome.promptTokens > 0) this.promptTokens.inc({ model }, outcome.promptTokens);
    if (outcome.cachedPromptTokens > 0) this.cachedPromptTokens.inc({ model }, outcome.cachedPromptTokens);
    if (outcome.reasoningTokens > 0) this.reasoningTokens.inc({ model }, outcome.reasoningTokens);
    if (outcome.cost.costUsd > 0) this.cost.inc({ model }, outcome.cost.costUsd);
    if (outcome.status === 'error' && outcome.errorCode) this.errors.inc({ model, code: this.codes.value(outcome.errorCode) });
    const limitReason = outcome.errorCode ? LIMIT_REASON_OF[outcome.errorCode as GenerationErrorCode] : undefined;
    if (limitReason) this.limited.inc({ reason: limitReason });
    if (outcome.isUsageEstimated) this.usageEstimated.inc({ model });
    if (outcome.cost.basis === 'unpriced' && outcome.status !== 'rejected') this.flagUnpriced(model);

    this.genAi.record(outcome);
    this.logCompletion(outcome, ids);
    this.events.publish(toEvent(outcome, ids));
  }

  private flagUnpriced(model: string): void {
    this.unpriced.inc({ model });
    if (this.unpricedModelsLogged.has(model)) return;
    this.unpricedModelsLogged.add(model);
    this.logger.warn({ model }, 'model has no price in MODELS_FILE: its cost is unknown, not zero');
  }

  private logCompletion(outcome: GenerationOutcome, ids: RequestIds): void {
    const fields = {
      // request_id (the gateway's own) comes from the request-bound logger; the caller's id joins its logs
      client_request_id: ids.clientRequestId,
      // the id the client was given, when it is not the caller's (which was taken)
      public_id: ids.publicId === ids.clientRequestId ? undefined : ids.publicId,
      endpoint: outcome.endpoint,
      model: outcome.model,
      status: outcome.status,
      http_status: outcome.httpStatus,
      error_code: outcome.errorCode ?? undefined,
      finish_reason: outcome.finishReason ?? undefined,
      streamed: outcome.isStreaming,
      prompt_tokens: outcome.promptTokens,
      completion_tokens: outcome.completionTokens,
      cached_prompt_tokens: outcome.cachedPromptTokens || undefined,
      reasoning_tokens: outcome.reasoningTokens || undefined,
      usage_estimated: outcome.isUsageEstimated || undefined,
      ttft_ms: outcome.ttftMs === undefined ? undefined : round(outcome.ttftMs),
      upstream_ttft_ms: outcome.upstreamTtftMs === undefined ? undefined : round(outcome.upstreamTtftMs),
      latency_ms: round(outcome.latencyMs),
      cost_usd: outcome.cost.costUsd,
      // the text itself goes under `output`, which the logger redacts unless LOG_PROMPTS is on
      output: outcome.output,
    };
    if (outcome.status === 'error') this.logger.warn(fields, 'generation failed');
    else this.logger.log(fields, outcome.status === 'success' ? 'generation completed' : `generation ${outcome.status}`);
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** The event of one request, bounded in bytes (output and context; see the contract's limits). */
function toEvent(outcome: GenerationOutcome, ids: RequestIds): GenerationCompleted {
  const tpot = tpotSeconds(outcome.latencyMs / 1000, outcome.ttftMs === undefined ? undefined : outcome.ttftMs / 1000, outcome.completionTokens);
  const context = outcome.context ? boundEventContext(outcome.context) : undefined;
  const question = context && outcome.input ? questionOf(outcome.input) : undefined;
  return {
    v: 3,
    requestId: ids.requestId,
    publicId: ids.publicId,
    model: outcome.model,
    userId: outcome.userId.slice(0, 256),
    endpoint: outcome.endpoint,
    status: outcome.status,
    errorCode: outcome.errorCode,
    httpStatus: outcome.httpStatus,
    finishReason: outcome.finishReason,
    promptTokens: outcome.promptTokens,
    completionTokens: outcome.completionTokens,
    isUsageEstimated: outcome.isUsageEstimated,
    costUsd: outcome.cost.costUsd,
    costBasis: outcome.cost.basis,
    ttftMs: outcome.ttftMs ?? null,
    tpotMs: tpot === undefined ? null : tpot * 1000,
    latencyMs: outcome.latencyMs,
    startedAtMs: outcome.startedAtMs,
    finishedAtMs: Math.max(outcome.startedAtMs, Math.round(outcome.startedAtMs + outcome.latencyMs)),
    output: boundEventOutput(outcome.output),
    context: context?.context ?? null,
    isContextReduced: context?.isReduced ?? false,
    question: question === undefined ? null : boundEventQuestion(question),
    trace: outcome.trace,
  };
}

/** What an answer answers: the last user message of a chat, or the prompt; nothing for embeddings. */
function questionOf(input: GenerationInput): string | undefined {
  if (input.kind === 'prompt') return input.prompt;
  if (input.kind !== 'chat') return undefined;
  for (let at = input.messages.length - 1; at >= 0; at--) {
    const message = input.messages[at]!;
    if (message.role === 'user') return message.content;
  }
  return undefined;
}
