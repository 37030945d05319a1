import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/**
 * Renders the Prometheus text format (0.0.4) from the registry's JSON. The registry itself is
 * kept in OpenMetrics mode so that histograms can carry exemplars, and prom-client renames
 * counters in place when it renders OpenMetrics; rendering the plain format from JSON keeps
 * both formats right whichever a scraper asked for first.
 */
export function renderPrometheusText(metrics: MetricObjectWithValues<MetricValue<string>>[]): string {
  const blocks: string[] = [];
  for (const metric of metrics) {
    const name = String(metric.type) === 'counter' && !metric.name.endsWith('_total') ? `${metric.name}_total` : metric.name;
    const lines = [`# HELP ${name} ${escapeHelp(metric.help)}`, `# TYPE ${name} ${metric.type}`];
    for (const sample of metric.values) {
      const sampleName = (sample as { metricName?: string }).metricName ?? name;
      lines.push(`${sampleName}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
    }
    blocks.push(lines.join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}

function formatLabels(labels: Partial<Record<string, string | number>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (value === undefined) continue;
    parts.push(`${key}="${escapeLabelValue(String(value))}"`);
  }
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

const OPENMETRICS_MEDIA_TYPE = 'application/openmetrics-text';

/** True when the Accept header asks for OpenMetrics with a non-zero quality. */
export function acceptsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [mediaType, ...params] = part.trim().split(';');
    if (mediaType?.trim().toLowerCase() !== OPENMETRICS_MEDIA_TYPE) return false;
    const quality = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return quality === undefined || Number(quality.slice(2)) > 0;
  });
}
