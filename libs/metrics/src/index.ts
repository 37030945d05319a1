export * from './buckets.js';
export * from './gateway.metrics.js';
export * from './gpu-agent.metrics.js';
export * from './quality.metrics.js';
export { LabelGuard } from './label-guard.js';
export { MetricsModule } from './metrics.module.js';
export { configureMetricsRegistry, renderMetrics, type RenderedMetrics } from './metrics-registry.js';
export { acceptsOpenMetrics, renderPrometheusText } from './text-format.js';
