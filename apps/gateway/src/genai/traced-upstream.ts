import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { tracer } from '@tokenscope/tracing';
import {
  BackendError,
  type BackendResult,
  type EmbeddingResult,
  type GenerationBackend,
  type GenerationRequest,
  type RelayResult,
  type RelaySink,
  type TokenSink,
} from '../backends/backend.js';
import type { GenAiTelemetry } from './genai-telemetry.js';

/**
 * An upstream model server seen from the gateway as a GenAI client: each call gets a CLIENT span
 * (`{operation} {model}`, with server.address/port) that is active while the call runs, so the
 * `traceparent` the backend sends names it, and its duration goes to gen_ai.client.operation.duration.
 */
export class TracedUpstream implements GenerationBackend {
  readonly relay?: (request: GenerationRequest, signal: AbortSignal, sink: RelaySink) => Promise<RelayResult>;

  constructor(
    private readonly inner: GenerationBackend,
    private readonly genAi: GenAiTelemetry,
  ) {
    const relay = inner.relay?.bind(inner);
    if (relay) this.relay = (request, signal, sink) => this.call(request, () => relay(request, signal, sink));
  }

  generate(request: GenerationRequest, signal: AbortSignal, sink: TokenSink): Promise<BackendResult> {
    return this.call(request, () => this.inner.generate(request, signal, sink));
  }

  embed(request: GenerationRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    return this.call(request, () => this.inner.embed(request, signal));
  }

  readinessProblem(): Promise<string | undefined> {
    return this.inner.readinessProblem();
  }

  private async call<T>(request: GenerationRequest, work: () => Promise<T>): Promise<T> {
    const attributes = this.genAi.upstreamCallAttributes(request);
    const span = tracer().startSpan(`${attributes['gen_ai.operation.name']} ${request.model.upstreamModel}`, { kind: SpanKind.CLIENT, attributes });
    const startedAtMs = performance.now();
    let errorType: string | undefined;
    try {
      return await context.with(trace.setSpan(context.active(), span), work);
    } catch (error) {
      // the conventions' fallback for an error without a known type
      errorType = error instanceof BackendError ? error.code : '_OTHER';
      span.setAttribute('error.type', errorType);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
      throw error;
    } finally {
      span.end();
      this.genAi.upstreamCallEnded(attributes, (performance.now() - startedAtMs) / 1000, errorType);
    }
  }
}
