export { startTracing, type TracingHandle, type TracingOptions } from './start-tracing.js';
export { activeTraceId, extractTraceContext, injectTraceCarrier, tracer, type TraceCarrier } from './trace-context.js';
