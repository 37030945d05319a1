import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { GEN_AI_SERVER_TIME_TO_FIRST_TOKEN, GENAI_HISTOGRAMS, GENAI_SCOPE } from './genai-conventions.js';
import { startTracing, tracesExportOf } from './start-tracing.js';
import { isSampledCarrier } from './trace-context.js';

describe(startTracing.name, () => {
  beforeAll(() => {
    // NodeSDK reads OTEL_SDK_DISABLED from process.env itself (jest.setup.mjs turns tracing off)
    delete process.env.OTEL_SDK_DISABLED;
  });

  // the global MeterProvider can be registered once per process: this case must come first
  it('registers no meter provider and exports no metrics when no exporter is configured', async () => {
    const handle = startTracing('no-exporter', { env: {}, spanProcessors: [new NoopSpanProcessor()] });
    expect(handle.isExportingMetrics).toBe(false);
    expect(metrics.getMeterProvider()).not.toBeInstanceOf(MeterProvider);
    await handle.shutdown();
  });

  it('gives the GenAI histograms the advised bucket boundaries', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const handle = startTracing('with-reader', { env: {}, spanProcessors: [new NoopSpanProcessor()], metricReaders: [reader] });
    expect(handle.isExportingMetrics).toBe(true);
    const ttft = metrics.getMeter(GENAI_SCOPE).createHistogram(GEN_AI_SERVER_TIME_TO_FIRST_TOKEN, { unit: 's' });
    ttft.record(0.003);
    ttft.record(0.3);

    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === GEN_AI_SERVER_TIME_TO_FIRST_TOKEN) as HistogramMetricData;
    expect(metric.dataPointType).toBe(DataPointType.HISTOGRAM);
    const { buckets, count } = metric.dataPoints[0]!.value;
    expect(buckets.boundaries).toEqual(GENAI_HISTOGRAMS[GEN_AI_SERVER_TIME_TO_FIRST_TOKEN].boundaries);
    expect(count).toBe(2);
    // 0.003 s in (0.001, 0.005], 0.3 s in (0.25, 0.5]
    expect(buckets.counts[1]).toBe(1);
    expect(buckets.counts[9]).toBe(1);
    await handle.shutdown();
  });
});

describe(tracesExportOf.name, () => {
  it('exports spans when an exporter or an OTLP endpoint is named', () => {
    expect(tracesExportOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('exported');
    expect(tracesExportOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe('exported');
    expect(tracesExportOf({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe('exported');
  });

  it('keeps spans in the process (trace ids in logs, traceparent upstream) with nothing named, or with none', () => {
    expect(tracesExportOf({})).toBe('in-process');
    expect(tracesExportOf({ OTEL_TRACES_EXPORTER: 'none' })).toBe('in-process');
    expect(tracesExportOf({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('in-process');
    expect(tracesExportOf({ OTEL_TRACES_EXPORTER: 'otlp, None' })).toBe('in-process');
  });
});

describe(isSampledCarrier.name, () => {
  it('reads the sampled bit of the traceparent flags', () => {
    const traceparent = (flags: string) => `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-${flags}`;
    expect(isSampledCarrier({ traceparent: traceparent('01') })).toBe(true);
    expect(isSampledCarrier({ traceparent: traceparent('03') })).toBe(true);
    expect(isSampledCarrier({ traceparent: traceparent('00') })).toBe(false);
    expect(isSampledCarrier({ traceparent: traceparent('02') })).toBe(false);
    expect(isSampledCarrier({})).toBe(false);
  });
});
