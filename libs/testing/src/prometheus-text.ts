/** Samples of a Prometheus text exposition, keyed by `name{label="value",...}` with labels sorted. */
export type Samples = Map<string, number>;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function keyOf(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  return parts.length > 0 ? `${name}{${parts.join(',')}}` : name;
}

export function parsePrometheusText(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[3] ?? '').matchAll(LABEL)) labels[label[1]!] = label[2]!;
    const raw = match[4]!;
    samples.set(keyOf(match[1]!, labels), raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw));
  }
  return samples;
}

/** One sample's value, 0 when the series does not exist (yet). */
export function sampleValue(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  return samples.get(keyOf(name, labels)) ?? 0;
}

/** Sum over every series of a metric whose labels include the given ones. */
export function sampleSum(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of samples) {
    const brace = key.indexOf('{');
    const sampleName = brace === -1 ? key : key.slice(0, brace);
    if (sampleName !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}

export async function scrape(url: string, accept?: string): Promise<Samples> {
  const response = await fetch(`${url}/metrics`, accept ? { headers: { accept } } : {});
  return parsePrometheusText(await response.text());
}

/**
 * The series of each metric family in a Prometheus text exposition: family name (a histogram's
 * `_bucket`, `_sum` and `_count` samples count as its own) → its distinct label sets, without
 * `le` and `quantile`. For checks that request input never creates series.
 */
export function seriesPerMetric(text: string): Map<string, Set<string>> {
  const families = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) \S+/.exec(line);
    if (type) families.add(type[1]!);
  }
  const series = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const name = match[1]!;
    const family = families.has(name) ? name : (/^(.*)_(bucket|sum|count|created)$/.exec(name)?.[1] ?? name);
    const labels: Record<string, string> = {};
    for (const label of (match[3] ?? '').matchAll(LABEL)) if (label[1] !== 'le' && label[1] !== 'quantile') labels[label[1]!] = label[2]!;
    const key = keyOf('', labels);
    if (!series.has(family)) series.set(family, new Set());
    series.get(family)!.add(key);
  }
  return series;
}

/** Per metric family, the label sets present in `after` and not in `before` (families with none are left out). */
export function seriesAdded(before: Map<string, Set<string>>, after: Map<string, Set<string>>): Map<string, string[]> {
  const added = new Map<string, string[]>();
  for (const [family, labelSets] of after) {
    const known = before.get(family) ?? new Set<string>();
    const fresh = [...labelSets].filter((labels) => !known.has(labels));
    if (fresh.length > 0) added.set(family, fresh);
  }
  return added;
}
