import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_HISTOGRAM_BUCKETS_SECONDS } from '@tokenscope/metrics';
import { parse, stringify } from 'yaml';
import {
  BURN_RATE_ALERTS,
  BURN_RATE_WINDOWS,
  loadSlos,
  parseSlos,
  renderSloRules,
  SLO_PROMETHEUS_RULE_FILE,
  SLO_RULES_FILE,
  sloRuleGroups,
  type Slo,
} from '../lib/slo-rules.mjs';
import { durationSeconds, RULE_TESTS_DIR } from './support/rules.js';
import { expectToolSuccess, runTool } from './support/tools.js';

/** Latency SLOs whose threshold is not a bucket edge of their histogram in libs/metrics. */
function thresholdsOffEdges(slos: Slo[], buckets: Record<string, readonly number[]>): string[] {
  return slos.flatMap((slo) => {
    if (slo.sli.type !== 'latency') return [];
    const edges = buckets[slo.sli.histogram];
    if (!edges) return [`${slo.name}: libs/metrics has no histogram ${slo.sli.histogram}`];
    return edges.includes(slo.sli.threshold_seconds) ? [] : [`${slo.name}: ${slo.sli.threshold_seconds} s is not an edge of ${slo.sli.histogram} (${edges.join(', ')})`];
  });
}

const VALID = `
slos:
  - name: availability
    alert: AvailabilityBudgetBurn
    description: requests that end without a server or upstream error
    objective: 0.995
    window: 30d
    sli: { type: availability }
`;

describe('the SLO definitions (infra/slo/slos.yaml)', () => {
  const slos = loadSlos();

  it('define availability, TTFT and whole-latency SLOs over 30 days', () => {
    expect(slos.map((slo) => [slo.name, slo.sli.type, slo.objective, slo.window])).toEqual([
      ['availability', 'availability', 0.995, '30d'],
      ['ttft', 'latency', 0.99, '30d'],
      ['latency', 'latency', 0.99, '30d'],
    ]);
  });

  it('put every latency threshold on a bucket edge of the histogram libs/metrics defines', () => {
    expect(thresholdsOffEdges(slos, GATEWAY_HISTOGRAM_BUCKETS_SECONDS)).toEqual([]);
    // and the check does catch a threshold between edges (1.5 s lies between 1 and 2.5)
    const offEdge = parseSlos(`slos:\n  - { name: t, alert: T, description: d, objective: 0.9, window: 30d, sli: { type: latency, histogram: llm_ttft_seconds, threshold_seconds: 1.5 } }`);
    expect(thresholdsOffEdges(offEdge, GATEWAY_HISTOGRAM_BUCKETS_SECONDS)).toEqual([expect.stringMatching(/^t: 1.5 s is not an edge of llm_ttft_seconds/)]);
  });

  it.each([
    ['a misspelt key', VALID.replace('objective:', 'objectve:'), /slos\.0: Unrecognized key.*objectve|slos\.0\.objective/],
    ['an objective in percent', VALID.replace('0.995', '99.5'), /slos\.0\.objective/],
    ['a window the burn-rate factors do not fit', VALID.replace('30d', '28d'), /slos\.0\.window: only 30d/],
    ['an unknown SLI type', VALID.replace('type: availability', 'type: uptime'), /slos\.0\.sli\.type/],
    ['a histogram libs/metrics does not have', VALID.replace('{ type: availability }', '{ type: latency, histogram: llm_ttft, threshold_seconds: 1 }'), /slos\.0\.sli\.histogram/],
    ['a name that cannot be a label value', VALID.replace('name: availability', 'name: Availability SLO'), /slos\.0\.name/],
    ['two SLOs of one name', `${VALID}${VALID.replace('slos:\n', '')}`, /slos\.1\.name: duplicate name availability/],
  ])('refuses %s, naming the key', (_what, text, message) => {
    expect(() => parseSlos(text, 'test.yaml')).toThrow(message);
  });
});

describe('the generated SLO rules', () => {
  const slos = loadSlos();
  const groups = sloRuleGroups(slos);

  it('record the error ratio and the burn rate over every alert window, per model, for every SLO', () => {
    for (const slo of slos) {
      const rules = groups.filter((group) => group.name.startsWith(`slo-${slo.name}`)).flatMap((group) => group.rules);
      for (const window of BURN_RATE_WINDOWS) {
        const ratio = rules.find((rule) => rule.record === `slo:sli_error:ratio_rate${window}`)!;
        expect(ratio.labels).toEqual({ slo: slo.name });
        expect(ratio.expr).toContain(`[${window}]`);
        // every sum keeps the model and nothing else, and no traffic gives no ratio (not 0/0)
        expect(ratio.expr.match(/sum by \(model\)/g)?.length).toBe(ratio.expr.match(/sum/g)?.length);
        expect(ratio.expr).toMatch(/> 0\)$/);
        expect(rules.find((rule) => rule.record === `slo:burn_rate:ratio_rate${window}`)!.expr).toBe(
          `slo:sli_error:ratio_rate${window}{slo="${slo.name}"} / ${Number((1 - slo.objective).toFixed(6))}`,
        );
      }
      expect(rules.filter((rule) => rule.alert === slo.alert).map((rule) => rule.labels)).toEqual([
        { severity: 'page', slo: slo.name },
        { severity: 'ticket', slo: slo.name },
      ]);
    }
  });

  it('count cancelled and rejected requests in neither side of the availability ratio', () => {
    const ratio = groups.find((group) => group.name === 'slo-availability')!.rules[0]!;
    expect(ratio.expr).toBe(
      'sum by (model) (rate(llm_requests_total{status="error"}[5m]))\n/\n(sum by (model) (rate(llm_requests_total{status=~"success|error"}[5m])) > 0)',
    );
  });

  it('page on 1h and 5m above 14.4 or 6h and 30m above 6, and ticket on 1d and 2h above 3 or 3d and 6h above 1', () => {
    const alert = groups.find((group) => group.name === 'slo-ttft')!.rules.filter((rule) => rule.alert);
    expect(BURN_RATE_ALERTS.map((a) => [a.severity, a.pairs.map((p) => `${p.long}/${p.short}>${p.factor}`)])).toEqual([
      ['page', ['1h/5m>14.4', '6h/30m>6']],
      ['ticket', ['1d/2h>3', '3d/6h>1']],
    ]);
    expect(alert[0]!.expr).toBe(
      '(\n  slo:burn_rate:ratio_rate1h{slo="ttft"} > 14.4\n  and\n  slo:burn_rate:ratio_rate5m{slo="ttft"} > 14.4\n)\nor\n(\n  slo:burn_rate:ratio_rate6h{slo="ttft"} > 6\n  and\n  slo:burn_rate:ratio_rate30m{slo="ttft"} > 6\n)',
    );
  });

  it('read latency SLIs from the threshold bucket, in both spellings Prometheus gives an integer edge', () => {
    const ttft = groups.find((group) => group.name === 'slo-ttft')!.rules[0]!.expr;
    const latency = groups.find((group) => group.name === 'slo-latency')!.rules[0]!.expr;
    expect(ttft).toContain('llm_ttft_seconds_bucket{le=~"1(\\\\.0)?"}[5m]');
    expect(latency).toContain('llm_request_latency_seconds_bucket{le="10.24"}[5m]');
  });

  it('narrow an SLO to the models it names', () => {
    const [slo] = parseSlos(VALID.replace('objective:', 'models: [sim-fast, llama-3.1-8b]\n    objective:'));
    const ratio = sloRuleGroups([slo!])[0]!.rules[0]!.expr;
    expect(ratio).toContain('llm_requests_total{status="error", model=~"sim-fast|llama-3\\\\.1-8b"}[5m]');
  });

  it('shorten every window and interval by the time scale and change nothing else (the end-to-end copy)', () => {
    const scaled = renderSloRules(slos, { timeScale: 15 });
    const windows = (text: string) => [...text.matchAll(/\[(\w+)\]|interval: (\w+)/g)].map(([, range, interval]) => durationSeconds((range ?? interval)!));
    expect(windows(scaled)).toEqual(windows(renderSloRules(slos)).map((seconds) => seconds / 15));
    expect(scaled).toContain('[20s]');
    expect(scaled.replace(/\[\w+\]|interval: \w+/g, '')).toBe(renderSloRules(slos).replace(/\[\w+\]|interval: \w+/g, ''));
  });

  it('are the same groups in the Kubernetes PrometheusRule, which promtool accepts', () => {
    const object = parse(readFileSync(SLO_PROMETHEUS_RULE_FILE, 'utf8')) as { apiVersion: string; kind: string; metadata: { name: string }; spec: { groups: unknown } };
    expect(object).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'tokenscope-slos' } });
    expect(object.spec.groups).toEqual((parse(readFileSync(SLO_RULES_FILE, 'utf8')) as { groups: unknown }).groups);
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-promrule-'));
    try {
      const file = join(dir, 'spec.yml');
      writeFileSync(file, stringify({ groups: object.spec.groups }));
      expectToolSuccess(runTool('promtool', ['check', 'rules', file]), 'promtool check rules (PrometheusRule spec)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface PromtoolTestFile {
  rule_files: string[];
  tests: Array<{ name: string }>;
}

/**
 * Each case of slo.test.yml, run alone against rules with one deliberate mistake, must fail:
 * proof that the case watches the behaviour it is named after.
 */
describe('the promtool cases of the SLO rules (infra/prometheus/tests/slo.test.yml)', () => {
  const testFile = parse(readFileSync(join(RULE_TESTS_DIR, 'slo.test.yml'), 'utf8')) as PromtoolTestFile;
  const rules = readFileSync(SLO_RULES_FILE, 'utf8');
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-slo-mutants-'));
    mkdirSync(join(dir, 'rules'));
    mkdirSync(join(dir, 'tests'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function runCase(caseName: string, ruleText: string) {
    const test = testFile.tests.find((t) => t.name.startsWith(caseName));
    if (!test) throw new Error(`slo.test.yml has no case named "${caseName}…"`);
    writeFileSync(join(dir, 'rules', 'slo.yml'), ruleText);
    writeFileSync(join(dir, 'tests', 'case.yml'), stringify({ ...testFile, rule_files: ['../rules/slo.yml'], tests: [test] }));
    return runTool('promtool', ['test', 'rules', 'case.yml'], { cwd: join(dir, 'tests') });
  }

  it.each([
    ['a fast burn pages within 10 minutes', 'the page reads 6h where it should read 1h (a swapped window)', 'ratio_rate1h{slo="availability"} > 14.4', 'ratio_rate6h{slo="availability"} > 14.4'],
    ['a burn of 8 pages through the 6h and 30m windows', 'the 6h/30m page reads 1d', 'ratio_rate6h{slo="ttft"} > 6', 'ratio_rate1d{slo="ttft"} > 6'],
    ['a slow burn of 4 opens a ticket', 'the 3d/6h ticket reads 1d', 'ratio_rate3d{slo="latency"} > 1', 'ratio_rate1d{slo="latency"} > 1'],
    ['a 3-minute outage', 'the page has no long window', 'ratio_rate1h{slo="latency"} > 14.4', 'ratio_rate5m{slo="latency"} > 14.4'],
    ['no traffic, and traffic that is not valid', 'no zero-traffic guard (0/0 = NaN)', ' > 0)', ')'],
    ['no traffic, and traffic that is not valid', 'rejected and cancelled requests count as valid', 'status=~"success|error"', 'status=~".+"'],
  ])('"%s…" fails when %s', (caseName, _mistake, from, to) => {
    // the case passes on the generated rules: the whole file does, in prometheus-rules.spec.ts
    expect(rules).toContain(from);
    const run = runCase(caseName, rules.replaceAll(from, to));
    expect(run.status).toBe(1);
    // an alert or a query that came out wrong, not a file promtool could not load
    expect(run.output).toMatch(/FAILED:\s+(name: .*,\s+alertname|expr): /);
  });
});
