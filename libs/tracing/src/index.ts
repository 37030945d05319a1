export { startTracing, type TracingHandle, type TracingOptions } from './start-tracing.js';
export { activeTraceId, extractTraceContext, injectTraceCarrier, isSampledCarrier, tracer, type TraceCarrier } from './trace-context.js';
export {
  GEN_AI_CLIENT_OPERATION_DURATION,
  GEN_AI_CLIENT_TOKEN_USAGE,
  GEN_AI_EVALUATION_RESULT,
  GEN_AI_SERVER_REQUEST_DURATION,
  GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN,
  GEN_AI_SERVER_TIME_TO_FIRST_TOKEN,
  GENAI_HISTOGRAMS,
  GENAI_SCOPE,
  GENAI_SEMCONV_VERSION,
  genAiSemconvChoice,
  genAiViews,
  type GenAiHistogramName,
  type GenAiSemconvChoice,
} from './genai-conventions.js';
