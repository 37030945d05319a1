import { NodeSDK } from '@opentelemetry/sdk-node';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import { NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { genAiViews } from './genai-conventions.js';

export interface TracingHandle {
  /** Flushes buffered spans and stops exporting; call on shutdown. */
  shutdown(): Promise<void>;
  isExporting: boolean;
  /** Whether the GenAI metrics are exported over OTLP (or another OTEL_METRICS_EXPORTER). */
  isExportingMetrics: boolean;
}

export interface TracingOptions {
  /** Replace the exporters chosen from OTEL_* variables (tests use an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  /** Replace the metric readers chosen from OTEL_* variables (tests use an in-memory reader). */
  metricReaders?: IMetricReader[];
  env?: Record<string, string | undefined>;
}

const DISABLED: TracingHandle = { shutdown: async () => undefined, isExporting: false, isExportingMetrics: false };

/**
 * Starts the OpenTelemetry SDK for one app, before Nest loads. Exporters follow the standard
 * variables (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_SAMPLER…). With no
 * exporter configured, spans are still created, so logs and exemplars carry real trace ids,
 * but nothing is sent anywhere (no error lines about an absent collector). Prometheus metrics stay
 * with prom-client; the GenAI metrics (OpenTelemetry instruments) get a metric reader only when the
 * variables ask for one (OTEL_METRICS_EXPORTER, or an OTLP endpoint), with the advised buckets.
 */
export function startTracing(serviceName: string, options: TracingOptions = {}): TracingHandle {
  const env = options.env ?? process.env;
  if (isTrue(env.OTEL_SDK_DISABLED)) return DISABLED;

  const spanProcessors = options.spanProcessors ?? (tracesExportOf(env) === 'exported' ? undefined : [new NoopSpanProcessor()]);
  // undefined: NodeSDK builds the readers from OTEL_METRICS_EXPORTER (otlp by default, `none` for
  // none) and OTEL_EXPORTER_OTLP_*; [] (nothing asked): no MeterProvider, the instruments are no-ops
  const hasMetricsSetting = Boolean(env.OTEL_METRICS_EXPORTER || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
  const metricReaders = options.metricReaders ?? (hasMetricsSetting ? undefined : []);

  // Smaller, more frequent export batches than the SDK's 512 spans: encoding a big batch blocks
  // the event loop for milliseconds, which showed up in the gateway's p99 TTFT (docs/benchmarks.md).
  // The standard variables still win when set.
  process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ??= '64';
  process.env.OTEL_BSP_SCHEDULE_DELAY ??= '500';
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? serviceName,
    ...(metricReaders ? { metricReaders } : {}),
    views: genAiViews(),
    logRecordProcessors: [],
    instrumentations: [],
    ...(spanProcessors ? { spanProcessors } : {}),
  });
  sdk.start();

  let isShutDown = false;
  return {
    isExporting: spanProcessors === undefined || options.spanProcessors !== undefined,
    isExportingMetrics: metricReaders === undefined ? !/\bnone\b/.test(env.OTEL_METRICS_EXPORTER ?? '') : metricReaders.length > 0,
    async shutdown() {
      if (isShutDown) return;
      isShutDown = true;
      await sdk.shutdown();
    },
  };
}

/**
 * Whether the variables ask for spans to be exported (NodeSDK then builds the exporters from them)
 * or kept in this process only. `OTEL_TRACES_EXPORTER=none` means the latter: NodeSDK alone would
 * register no tracer provider at all for it, and every span, every log line's trace id and the
 * traceparent sent upstream would silently disappear.
 */
export function tracesExportOf(env: NodeJS.ProcessEnv): 'exported' | 'in-process' {
  const exporters = env.OTEL_TRACES_EXPORTER?.split(',').map((name) => name.trim().toLowerCase());
  if (exporters?.includes('none')) return 'in-process';
  return exporters?.some(Boolean) || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'exported' : 'in-process';
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['true', '1', 'yes'].includes(value.trim().toLowerCase());
}
