import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';

export interface TracingHandle {
  /** Flushes buffered spans and stops exporting; call on shutdown. */
  shutdown(): Promise<void>;
  isExporting: boolean;
}

export interface TracingOptions {
  /** Replace the exporters chosen from OTEL_* variables (tests use an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  env?: Record<string, string | undefined>;
}

const DISABLED: TracingHandle = { shutdown: async () => undefined, isExporting: false };

/**
 * Starts the OpenTelemetry SDK for one app, before Nest loads. Exporters follow the standard
 * variables (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_SAMPLER…). With no
 * exporter configured, spans are still created, so logs and exemplars carry real trace ids,
 * but nothing is sent anywhere (no error lines about an absent collector). Metrics stay with
 * prom-client: the SDK's own metric readers are turned off.
 */
export function startTracing(serviceName: string, options: TracingOptions = {}): TracingHandle {
  const env = options.env ?? process.env;
  if (isTrue(env.OTEL_SDK_DISABLED)) return DISABLED;

  const hasExporterSetting = Boolean(
    env.OTEL_TRACES_EXPORTER || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
  );
  const spanProcessors = options.spanProcessors ?? (hasExporterSetting ? undefined : [new NoopSpanProcessor()]);

  // Smaller, more frequent export batches than the SDK's 512 spans: encoding a big batch blocks
  // the event loop for milliseconds, which showed up in the gateway's p99 TTFT (docs/benchmarks.md).
  // The standard variables still win when set.
  process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ??= '64';
  process.env.OTEL_BSP_SCHEDULE_DELAY ??= '500';
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? serviceName,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
    ...(spanProcessors ? { spanProcessors } : {}),
  });
  sdk.start();

  let isShutDown = false;
  return {
    isExporting: spanProcessors === undefined || options.spanProcessors !== undefined,
    async shutdown() {
      if (isShutDown) return;
      isShutDown = true;
      await sdk.shutdown();
    },
  };
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['true', '1', 'yes'].includes(value.trim().toLowerCase());
}
