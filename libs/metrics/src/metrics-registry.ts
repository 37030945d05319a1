import { collectDefaultMetrics, register, Registry, type OpenMetricsContentType } from 'prom-client';
import { acceptsOpenMetrics, renderPrometheusText } from './text-format.js';

let isConfigured = false;

/**
 * Puts prom-client's default registry (the one @willsoto/nestjs-prometheus creates metrics in)
 * into OpenMetrics mode, which exemplars require, and starts process metrics once per process.
 * Must run before the first metric is created: MetricsModule.forRoot calls it.
 */
export function configureMetricsRegistry(): void {
  if (isConfigured) return;
  isConfigured = true;
  (register as unknown as Registry<OpenMetricsContentType>).setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  collectDefaultMetrics({ register });
}

export interface RenderedMetrics {
  contentType: string;
  body: string;
}

/** Renders every metric in the format the scraper negotiated (OpenMetrics carries exemplars). */
export async function renderMetrics(accept: string | undefined): Promise<RenderedMetrics> {
  if (acceptsOpenMetrics(accept)) {
    return { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: await register.metrics() };
  }
  return { contentType: Registry.PROMETHEUS_CONTENT_TYPE, body: renderPrometheusText(await register.getMetricsAsJSON()) };
}
