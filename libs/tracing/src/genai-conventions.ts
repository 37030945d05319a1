import { AggregationType, type ViewOptions } from '@opentelemetry/sdk-metrics';

/**
 * The OpenTelemetry GenAI semantic conventions this repository follows (stability: development).
 * Names as generated in @opentelemetry/semantic-conventions 1.45.0 (incubating entry point), the
 * last release that still carries them before they moved to open-telemetry/semantic-conventions-genai;
 * docs/metrics.md says what changes with OTEL_SEMCONV_STABILITY_OPT_IN.
 */
export const GENAI_SEMCONV_VERSION = '1.45.0';

/** Meter and tracer scope of the GenAI instruments. */
export const GENAI_SCOPE = 'tokenscope.genai';

export const GEN_AI_SERVER_REQUEST_DURATION = 'gen_ai.server.request.duration';
export const GEN_AI_SERVER_TIME_TO_FIRST_TOKEN = 'gen_ai.server.time_to_first_token';
export const GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN = 'gen_ai.server.time_per_output_token';
export const GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';
export const GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const GEN_AI_EVALUATION_RESULT = 'gen_ai.evaluation.result';

// the conventions' advised explicit bucket boundaries; generated code does not carry them, so views set them
const DURATION_BUCKETS_S = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** Each GenAI histogram: unit, description and the advised boundaries. */
export const GENAI_HISTOGRAMS = {
  [GEN_AI_SERVER_REQUEST_DURATION]: { unit: 's', description: 'Generative AI server request duration such as time-to-last byte or last output token.', boundaries: DURATION_BUCKETS_S },
  [GEN_AI_SERVER_TIME_TO_FIRST_TOKEN]: {
    unit: 's',
    description: 'Time to generate first token for successful responses.',
    boundaries: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0],
  },
  [GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN]: {
    unit: 's',
    description: 'Time per output token generated after the first token for successful responses.',
    boundaries: [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5],
  },
  [GEN_AI_CLIENT_TOKEN_USAGE]: { unit: '{token}', description: 'Number of input and output tokens used.', boundaries: TOKEN_BUCKETS },
  [GEN_AI_CLIENT_OPERATION_DURATION]: { unit: 's', description: 'GenAI operation duration.', boundaries: DURATION_BUCKETS_S },
} as const satisfies Record<string, { unit: string; description: string; boundaries: readonly number[] }>;

export type GenAiHistogramName = keyof typeof GENAI_HISTOGRAMS;

/** One view per GenAI histogram, giving it the advised boundaries (the SDK default would be HTTP-style ms buckets). */
export function genAiViews(): ViewOptions[] {
  return Object.entries(GENAI_HISTOGRAMS).map(([name, spec]) => ({
    instrumentName: name,
    aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [...spec.boundaries] } },
  }));
}

/** What OTEL_SEMCONV_STABILITY_OPT_IN asks of the GenAI telemetry. */
export interface GenAiSemconvChoice {
  /**
   * `gen_ai_latest_experimental`: only the latest names. Without it, the attribute renamed in the
   * conventions (`gen_ai.system`, now `gen_ai.provider.name`) is sent under both names, so
   * dashboards and collectors written for the older conventions keep matching.
   */
  isLatestOnly: boolean;
}

/** Reads OTEL_SEMCONV_STABILITY_OPT_IN, a comma-separated list (other categories, such as `http`, are ignored here). */
export function genAiSemconvChoice(optIn: string | undefined): GenAiSemconvChoice {
  const categories = (optIn ?? '').split(',').map((c) => c.trim().toLowerCase());
  return { isLatestOnly: categories.includes('gen_ai_latest_experimental') };
}
