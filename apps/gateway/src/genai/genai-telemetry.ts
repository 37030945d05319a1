import { Inject, Injectable } from '@nestjs/common';
import { metrics, trace, type Attributes, type Histogram } from '@opentelemetry/api';
import { redactCredentials } from '@tokenscope/logging';
import {
  GEN_AI_CLIENT_OPERATION_DURATION,
  GEN_AI_CLIENT_TOKEN_USAGE,
  GEN_AI_SERVER_REQUEST_DURATION,
  GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN,
  GEN_AI_SERVER_TIME_TO_FIRST_TOKEN,
  GENAI_HISTOGRAMS,
  GENAI_SCOPE,
  GENAI_SEMCONV_VERSION,
  genAiSemconvChoice,
  type GenAiHistogramName,
} from '@tokenscope/tracing';
import type { GenerationInput, GenerationRequest } from '../backends/backend.js';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { ModelCatalog, type ServedModel } from '../config/model-catalog.js';
import type { GenerationOutcome } from '../generation/generation-outcome.js';
import { tpotSeconds } from '../generation/generation-timing.js';
import { GENAI_OPERATION_NAMES, genAiProviderName, modelServerAttributes } from './genai-attributes.js';

/**
 * The gateway's OpenTelemetry GenAI telemetry: the gen_ai.* metrics (server side from each
 * finished request, client side from each upstream call) and, only when asked, the prompt and
 * answer on the llm_generate span. The instruments come from the global MeterProvider, which
 * startTracing registers only when a metrics exporter is configured: otherwise they are no-ops.
 */
@Injectable()
export class GenAiTelemetry {
  private readonly histograms: Record<GenAiHistogramName, Histogram>;
  /** Also send the deprecated `gen_ai.system` (see OTEL_SEMCONV_STABILITY_OPT_IN in docs/metrics.md). */
  private readonly isDualEmitting: boolean;
  private readonly captureLimitChars: number | undefined;
  private readonly secrets: string[];
  private readonly attributesByModel = new WeakMap<ServedModel, Attributes>();

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly catalog: ModelCatalog,
  ) {
    const meter = metrics.getMeter(GENAI_SCOPE, GENAI_SEMCONV_VERSION);
    this.histograms = Object.fromEntries(
      Object.entries(GENAI_HISTOGRAMS).map(([name, spec]) => [name, meter.createHistogram(name, { unit: spec.unit, description: spec.description })]),
    ) as Record<GenAiHistogramName, Histogram>;
    this.isDualEmitting = !genAiSemconvChoice(config.OTEL_SEMCONV_STABILITY_OPT_IN).isLatestOnly;
    this.captureLimitChars = config.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT ? config.GENAI_CAPTURE_CONTENT_LIMIT_CHARS : undefined;
    this.secrets = [config.UPSTREAM_API_KEY ?? '', ...(config.API_KEYS ?? '').split(',').map((pair) => pair.split(':')[0]!.trim())].filter((s) => s.length > 0);
  }

  /** The server-side metrics of one finished request, and its content when capture is on. */
  record(outcome: GenerationOutcome): void {
    const served = this.catalog.get(outcome.model);
    const attributes: Attributes = {
      'gen_ai.operation.name': GENAI_OPERATION_NAMES[outcome.endpoint],
      'gen_ai.request.model': outcome.model,
      ...(served ? this.modelAttributes(served) : { 'gen_ai.provider.name': 'tokenscope' }),
      ...(outcome.status === 'success' ? {} : { 'error.type': outcome.errorCode ?? '_OTHER' }),
    };
    this.histograms[GEN_AI_SERVER_REQUEST_DURATION].record(outcome.latencyMs / 1000, attributes);
    if (outcome.status === 'success' && outcome.ttftMs !== undefined) {
      this.histograms[GEN_AI_SERVER_TIME_TO_FIRST_TOKEN].record(outcome.ttftMs / 1000, attributes);
      const tpot = tpotSeconds(outcome.latencyMs / 1000, outcome.ttftMs / 1000, outcome.completionTokens);
      if (tpot !== undefined) this.histograms[GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN].record(tpot, attributes);
    }
    // usage only where some was counted: a rejected request, or one that failed before the model
    // read its prompt, used none, and zeros would drag every percentile of the histogram down
    if (outcome.promptTokens > 0 || outcome.completionTokens > 0) {
      this.histograms[GEN_AI_CLIENT_TOKEN_USAGE].record(outcome.promptTokens, { ...attributes, 'gen_ai.token.type': 'input' });
      if (outcome.endpoint !== 'embeddings') this.histograms[GEN_AI_CLIENT_TOKEN_USAGE].record(outcome.completionTokens, { ...attributes, 'gen_ai.token.type': 'output' });
    }
    if (this.captureLimitChars !== undefined && outcome.input) this.captureContent(outcome.input, outcome);
  }

  /** Attributes of the client span and metric of one call to an upstream model server. */
  upstreamCallAttributes(request: GenerationRequest): Attributes {
    return {
      'gen_ai.operation.name': GENAI_OPERATION_NAMES[request.endpoint],
      'gen_ai.request.model': request.model.upstreamModel,
      ...this.modelAttributes(request.model),
    };
  }

  /** gen_ai.client.operation.duration of one upstream call; errorType set when it failed. */
  upstreamCallEnded(attributes: Attributes, durationSeconds: number, errorType: string | undefined): void {
    this.histograms[GEN_AI_CLIENT_OPERATION_DURATION].record(durationSeconds, errorType ? { ...attributes, 'error.type': errorType } : attributes);
  }

  /** A served model's attributes, worked out once per model (its upstream URL is parsed once). */
  private modelAttributes(model: ServedModel): Attributes {
    let attributes = this.attributesByModel.get(model);
    if (!attributes) {
      const provider = genAiProviderName(model);
      attributes = {
        'gen_ai.provider.name': provider,
        ...(this.isDualEmitting ? { 'gen_ai.system': provider } : {}),
        'gen_ai.response.model': model.upstreamModel,
        ...modelServerAttributes(model),
      };
      this.attributesByModel.set(model, attributes);
    }
    return attributes;
  }

  /**
   * Prompt and answer on the active span (llm_generate, under which the recorder runs), in the
   * conventions' message shape, each text cut to the configured size and with credentials redacted.
   */
  private captureContent(input: GenerationInput, outcome: GenerationOutcome): void {
    const span = trace.getActiveSpan();
    if (!span?.isRecording()) return;
    const limit = this.captureLimitChars!;
    // redacted before the final cut, with some room, so that a key cut in half is still found
    const text = (value: string) => redactCredentials(value.slice(0, limit + 256), this.secrets).slice(0, limit);
    const part = (content: string) => [{ type: 'text', content: text(content) }];
    const messages =
      input.kind === 'chat'
        ? input.messages.map((m) => ({ role: m.role, parts: part(m.content) }))
        : input.kind === 'prompt'
          ? [{ role: 'user', parts: part(input.prompt) }]
          : input.texts.map((t) => ({ role: 'user', parts: part(t) }));
    span.setAttribute('gen_ai.input.messages', JSON.stringify(messages));
    if (outcome.endpoint === 'embeddings') return;
    const output = [{ role: 'assistant', parts: part(outcome.output), finish_reason: outcome.finishReason ?? 'error' }];
    span.setAttribute('gen_ai.output.messages', JSON.stringify(output));
  }
}
