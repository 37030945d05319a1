import { context, propagation, trace, type Context, type Tracer } from '@opentelemetry/api';

/** W3C trace context as carried in queue jobs and HTTP headers. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

export function tracer(): Tracer {
  return trace.getTracer('tokenscope');
}

/** The active (or given) context as a carrier to put inside a queue job. */
export function injectTraceCarrier(from: Context = context.active()): TraceCarrier {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  const result: TraceCarrier = {};
  if (carrier.traceparent) result.traceparent = carrier.traceparent;
  if (carrier.tracestate) result.tracestate = carrier.tracestate;
  return result;
}

/** A context whose parent is the span a carrier (job data or request headers) names. */
export function extractTraceContext(carrier: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(context.active(), carrier, {
    get: (c, key) => {
      const value = c[key];
      return Array.isArray(value) ? value[0] : value;
    },
    keys: (c) => Object.keys(c),
  });
}

const INVALID_TRACE_ID = '00000000000000000000000000000000';

/** The trace id of the active span, or undefined when tracing is off. */
export function activeTraceId(): string | undefined {
  const traceId = trace.getActiveSpan()?.spanContext().traceId;
  return traceId && traceId !== INVALID_TRACE_ID ? traceId : undefined;
}

/**
 * Whether the trace a carrier names was sampled (the `01` flag of its traceparent): only then does
 * a collector keep it, so only then may an exemplar point at it.
 */
export function isSampledCarrier(carrier: TraceCarrier): boolean {
  const flags = carrier.traceparent?.split('-')[3];
  return flags !== undefined && (Number.parseInt(flags, 16) & 1) === 1;
}
