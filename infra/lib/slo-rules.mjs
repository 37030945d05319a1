// Turns infra/slo/slos.yaml into multiwindow, multi-burn-rate rules (the SRE workbook's, in the
// shape Sloth and Pyrra generate), the same groups as a Kubernetes PrometheusRule, and the Grafana
// dashboard "SLOs". scripts/slo-rules.mjs writes the committed copies and checks them in npm test;
// the monitoring end-to-end test renders a time-scaled copy, so there is no second rule text to
// keep in step. Plain JavaScript so that the script runs without a build.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { INFRA_DIR, RULES_DIR } from './local-stack.mjs';

const REPO_DIR = join(INFRA_DIR, '..');
export const SLO_FILE = join(INFRA_DIR, 'slo', 'slos.yaml');
export const SLO_RULES_FILE = join(RULES_DIR, 'slo.yml');
export const SLO_PROMETHEUS_RULE_FILE = join(REPO_DIR, 'deploy', 'kubernetes', 'base', 'prometheus-rules', 'slo-rules.yaml');
export const SLO_DASHBOARD_FILE = join(INFRA_DIR, 'grafana', 'dashboards', 'tokenscope-slos.json');

/** The error-ratio windows the burn-rate alerts read. */
export const BURN_RATE_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

/**
 * The SRE workbook's alerts for a 30-day budget: each pair fires when both its long window
 * (enough budget spent to matter) and its short window (still burning now, so the alert ends
 * soon after the burn does) are above the factor.
 */
export const BURN_RATE_ALERTS = [
  { severity: 'page', pairs: [{ long: '1h', short: '5m', factor: 14.4 }, { long: '6h', short: '30m', factor: 6 }] },
  { severity: 'ticket', pairs: [{ long: '1d', short: '2h', factor: 3 }, { long: '3d', short: '6h', factor: 1 }] },
];

/** How often the 30-day SLI is evaluated: it reads a month of raw samples and moves slowly. */
const PERIOD_INTERVAL = '5m';

/** The histograms of libs/metrics a latency SLI may read (their bucket edges are checked in infra/test). */
export const SLO_HISTOGRAMS = ['llm_ttft_seconds', 'llm_request_latency_seconds'];

const sloSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes (it becomes the `slo` label)'),
    alert: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'an alert name in PascalCase'),
    description: z.string().min(1, 'say what a good request is'),
    models: z.array(z.string().min(1)).min(1).optional(),
    objective: z.number().gt(0).lt(1),
    window: z.literal('30d', { error: 'only 30d: the burn-rate factors 14.4, 6, 3 and 1 are those of a 30-day budget' }),
    sli: z.discriminatedUnion('type', [
      z.object({ type: z.literal('availability') }).strict(),
      z
        .object({
          type: z.literal('latency'),
          histogram: z.enum(SLO_HISTOGRAMS),
          threshold_seconds: z.number().positive(),
        })
        .strict(),
    ]),
  })
  .strict();

const slosFileSchema = z
  .object({ slos: z.array(sloSchema).min(1) })
  .strict()
  .superRefine((file, ctx) => {
    for (const key of ['name', 'alert']) {
      const seen = new Set();
      file.slos.forEach((slo, i) => {
        if (seen.has(slo[key])) ctx.addIssue({ code: 'custom', path: ['slos', i, key], message: `duplicate ${key} ${slo[key]}` });
        seen.add(slo[key]);
      });
    }
  });

/** Parses and validates the text of an SLO file; throws naming every bad key. */
export function parseSlos(text, source = 'slos.yaml') {
  const result = slosFileSchema.safeParse(parse(text));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`${source} is not a valid SLO file:\n${problems.join('\n')}`);
  }
  return result.data.slos;
}

export function loadSlos(path = SLO_FILE) {
  return parseSlos(readFileSync(path, 'utf8'), path);
}

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 };

function seconds(duration) {
  const match = /^(\d+)([smhd])$/.exec(duration);
  if (!match) throw new Error(`unsupported duration ${duration}`);
  return Number(match[1]) * UNIT_SECONDS[match[2]];
}

/** A window divided by the time scale, as a Prometheus duration (whole milliseconds). */
function scaled(duration, timeScale) {
  if (timeScale === 1) return duration;
  const ms = Math.max(1, Math.round((seconds(duration) * 1000) / timeScale));
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** 1 - 0.995 is 0.0050000000000000044 in floating point; the rules should read 0.005. */
const errorBudget = (slo) => Number((1 - slo.objective).toPrecision(12));
const percent = (ratio) => `${Number((ratio * 100).toPrecision(12))}%`;
const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');

function selector(metric, matchers) {
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(', ')}}`;
}

/**
 * Prometheus 3 stores `le` as OpenMetrics numbers ("1.0" where prom-client writes "1"), so an
 * integer edge is matched in both spellings; other edges are written the same by both.
 */
function leMatcher(threshold) {
  return Number.isInteger(threshold) ? `le=~"${threshold}(\\\\.0)?"` : `le="${threshold}"`;
}

/** Share of valid requests that were bad over the window, by model; no sample without traffic. */
function errorRatioExpr(slo, window) {
  const models = slo.models ? [`model=~"${slo.models.map(escapeRegex).join('|')}"`] : [];
  const sumRate = (metric, matchers) => `sum by (model) (rate(${selector(metric, [...matchers, ...models])}[${window}]))`;
  // `> 0` on the denominator: with no valid request in the window there is no ratio at all
  // (rather than 0/0), so nothing can compare true against it and no traffic never pages
  if (slo.sli.type === 'availability') {
    return [
      sumRate('llm_requests_total', ['status="error"']),
      '/',
      `(${sumRate('llm_requests_total', ['status=~"success|error"'])} > 0)`,
    ].join('\n');
  }
  const { histogram, threshold_seconds: threshold } = slo.sli;
  return [
    '(',
    `  ${sumRate(`${histogram}_count`, [])}`,
    '  -',
    `  ${sumRate(`${histogram}_bucket`, [leMatcher(threshold)])}`,
    ')',
    '/',
    `(${sumRate(`${histogram}_count`, [])} > 0)`,
  ].join('\n');
}

const ratioRecord = (window) => `slo:sli_error:ratio_rate${window}`;
const burnRecord = (window) => `slo:burn_rate:ratio_rate${window}`;

function alertExpr(slo, pairs) {
  const above = (window, factor) => `${burnRecord(window)}{slo="${slo.name}"} > ${factor}`;
  return pairs
    .map(({ long, short, factor }) => ['(', `  ${above(long, factor)}`, '  and', `  ${above(short, factor)}`, ')'].join('\n'))
    .join('\nor\n');
}

function alertRule(slo, { severity, pairs }) {
  const objective = percent(slo.objective);
  const windows = pairs.map(({ long, short, factor }) => `over ${long} and ${short} is above ${factor}`).join(', or ');
  const verb = severity === 'page' ? 'Pages' : 'Opens a ticket';
  const speed = severity === 'page' ? 'fast' : 'steadily';
  return {
    alert: slo.alert,
    expr: alertExpr(slo, pairs),
    labels: { severity, slo: slo.name },
    annotations: {
      summary: `{{ $labels.model }} is spending its ${slo.name} error budget ${speed}`,
      description:
        `Model {{ $labels.model }} burns its ${slo.name} error budget at {{ $value | humanize }} times the rate that would spend it in 30 days ` +
        `(objective: ${objective} of ${slo.description}). ${verb} when the burn rate ${windows}.`,
      runbook_url: `docs/runbooks.md#${slo.alert.toLowerCase()}`,
    },
  };
}

/**
 * The rule groups of every SLO. One group per SLO holds the error ratios, the burn rates read
 * from them and the alerts read from those: rules of a group run in order at one timestamp, so
 * each reads the values just recorded rather than the previous evaluation's. The 30-day SLI
 * goes in a second group that runs less often.
 * `timeScale` divides every window and interval (the end-to-end test); thresholds stay.
 */
export function sloRuleGroups(slos, { timeScale = 1 } = {}) {
  return slos.flatMap((slo) => {
    const labels = { slo: slo.name };
    const budget = errorBudget(slo);
    const ratios = BURN_RATE_WINDOWS.map((window) => ({ record: ratioRecord(window), expr: errorRatioExpr(slo, scaled(window, timeScale)), labels }));
    const burnRates = BURN_RATE_WINDOWS.map((window) => ({ record: burnRecord(window), expr: `${ratioRecord(window)}{slo="${slo.name}"} / ${budget}`, labels }));
    return [
      { name: `slo-${slo.name}`, rules: [...ratios, ...burnRates, ...BURN_RATE_ALERTS.map((alert) => alertRule(slo, alert))] },
      {
        name: `slo-${slo.name}-period`,
        interval: scaled(PERIOD_INTERVAL, timeScale),
        rules: [
          { record: 'slo:objective:ratio', expr: `vector(${slo.objective})`, labels },
          { record: ratioRecord(slo.window), expr: errorRatioExpr(slo, scaled(slo.window, timeScale)), labels },
          // 1 = untouched, 0 = spent, below 0 = overspent
          { record: 'slo:error_budget_remaining:ratio', expr: `1 - ${ratioRecord(slo.window)}{slo="${slo.name}"} / ${budget}`, labels },
        ],
      },
    ];
  });
}

const GENERATED = `Generated by \`node scripts/slo-rules.mjs\` from infra/slo/slos.yaml:
# edit that file and rerun the script (npm test fails when this file differs from its output).`;

const RULES_HEADER = `# SLO recording rules and multiwindow, multi-burn-rate alerts.
# ${GENERATED}
#
# Per SLO and model: slo:sli_error:ratio_rate<window> (share of valid requests that were bad),
# slo:burn_rate:ratio_rate<window> (that share over the error budget, 1 - objective: 1 spends
# the budget in exactly 30 days), slo:objective:ratio and slo:error_budget_remaining:ratio over
# the 30-day window. Alerts: severity page when the 1h and 5m burn rates both exceed 14.4, or
# 6h and 30m exceed 6; ticket when 1d and 2h exceed 3, or 3d and 6h exceed 1. No \`for:\`: the
# long window already asks for a sustained burn, and the short one ends the alert within
# minutes of the burn. Unit tests: infra/prometheus/tests/slo.test.yml.
`;

export function renderSloRules(slos, options = {}) {
  return `${RULES_HEADER}${stringify({ groups: sloRuleGroups(slos, options) }, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

export function renderPrometheusRule(slos) {
  const object = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'tokenscope-slos',
      labels: { 'app.kubernetes.io/name': 'tokenscope', 'app.kubernetes.io/component': 'slo-rules' },
    },
    spec: { groups: sloRuleGroups(slos) },
  };
  return `# The SLO rules of infra/prometheus/rules/slo.yml for the Prometheus Operator.\n# ${GENERATED}\n${stringify(object, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

const DATASOURCE = { type: 'prometheus', uid: 'prometheus' };

function target(refId, expr, legendFormat, { instant = false, format } = {}) {
  return { datasource: DATASOURCE, refId, expr, legendFormat, range: !instant, instant, ...(format ? { format } : {}) };
}

function statPanel(id, title, gridPos, targets, defaults, description) {
  return {
    type: 'stat',
    title,
    id,
    datasource: DATASOURCE,
    gridPos,
    targets,
    fieldConfig: { defaults, overrides: [] },
    description,
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'value',
      graphMode: 'none',
      textMode: 'value_and_name',
      justifyMode: 'auto',
      orientation: 'auto',
    },
  };
}

const steps = (...pairs) => ({ mode: 'absolute', steps: pairs.map(([color, value]) => ({ color, value })) });

function sloPanels(slo, nextId, y) {
  const where = `slo="${slo.name}", model=~"$model"`;
  const objective = percent(slo.objective);
  const pairs = BURN_RATE_ALERTS.flatMap((alert) => alert.pairs);
  return [
    { type: 'row', title: `${slo.name}: ${slo.description} (objective ${objective} over ${slo.window})`, id: nextId(), collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] },
    statPanel(
      nextId(),
      'Objective',
      { h: 6, w: 3, x: 0, y: y + 1 },
      [target('A', `slo:objective:ratio{slo="${slo.name}"}`, '{{slo}}', { instant: true })],
      { unit: 'percentunit', decimals: 2 },
      `Share of valid requests that must be good over ${slo.window}. Good: ${slo.description}.`,
    ),
    statPanel(
      nextId(),
      `SLI over ${slo.window}`,
      { h: 6, w: 6, x: 3, y: y + 1 },
      [target('A', `1 - slo:sli_error:ratio_rate${slo.window}{${where}}`, '{{model}}', { instant: true })],
      { unit: 'percentunit', decimals: 3, thresholds: steps(['red', null], ['green', slo.objective]) },
      `Share of good requests over the last ${slo.window}, per model; red below the objective.`,
    ),
    statPanel(
      nextId(),
      'Error budget left',
      { h: 6, w: 6, x: 9, y: y + 1 },
      [target('A', `slo:error_budget_remaining:ratio{${where}}`, '{{model}}', { instant: true })],
      { unit: 'percentunit', decimals: 1, thresholds: steps(['red', null], ['orange', 0], ['green', 0.25]) },
      `1 - bad share / (1 - objective) over the last ${slo.window}: 100% untouched, 0 spent, below 0 overspent.`,
    ),
    {
      type: 'table',
      title: 'Burn rate by alert window',
      id: nextId(),
      datasource: DATASOURCE,
      gridPos: { h: 6, w: 9, x: 15, y: y + 1 },
      targets: BURN_RATE_WINDOWS.map((window, i) => target(String.fromCharCode(65 + i), `slo:burn_rate:ratio_rate${window}{${where}}`, window, { instant: true, format: 'table' })),
      fieldConfig: {
        defaults: { unit: 'short', decimals: 2, thresholds: steps(['green', null], ['orange', 1], ['red', 6]), custom: { cellOptions: { type: 'color-text' } } },
        overrides: [],
      },
      description: 'Bad share over the window / (1 - objective): 1 spends the budget in exactly 30 days. Page: 1h and 5m above 14.4, or 6h and 30m above 6. Ticket: 1d and 2h above 3, or 3d and 6h above 1.',
      transformations: [
        { id: 'merge', options: {} },
        {
          id: 'organize',
          options: {
            excludeByName: { Time: true, slo: true },
            renameByName: Object.fromEntries(BURN_RATE_WINDOWS.map((window, i) => [`Value #${String.fromCharCode(65 + i)}`, window])),
          },
        },
      ],
      options: { showHeader: true, cellHeight: 'sm' },
    },
    {
      type: 'timeseries',
      title: 'Burn rate over the long alert windows',
      id: nextId(),
      datasource: DATASOURCE,
      gridPos: { h: 8, w: 24, x: 0, y: y + 7 },
      targets: pairs.map((pair, i) => target(String.fromCharCode(65 + i), `slo:burn_rate:ratio_rate${pair.long}{${where}}`, `{{model}} ${pair.long} (${pair.factor})`)),
      fieldConfig: {
        defaults: {
          unit: 'short',
          min: 0,
          thresholds: steps(['green', null], ['red', 1]),
          custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false, stacking: { mode: 'none', group: 'A' }, thresholdsStyle: { mode: 'line' } },
        },
        overrides: [],
      },
      description: 'Each long window with its alert factor in brackets; the line at 1 spends the budget in exactly 30 days.',
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    },
  ];
}

export function renderSloDashboard(slos) {
  let id = 0;
  const nextId = () => ++id;
  const panels = slos.flatMap((slo, i) => sloPanels(slo, nextId, i * 15));
  const dashboard = {
    uid: 'tokenscope-slos',
    title: 'tokenscope — SLOs',
    description: `Service level objectives (generated from infra/slo/slos.yaml by scripts/slo-rules.mjs): objective, SLI and error budget over 30 days, burn rate over each alert window.`,
    tags: ['tokenscope'],
    timezone: 'browser',
    editable: false,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '1m',
    time: { from: 'now-24h', to: 'now' },
    timepicker: {},
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    links: [{ title: 'tokenscope', type: 'dashboards', tags: ['tokenscope'], asDropdown: true, includeVars: false, keepTime: true }],
    annotations: {
      list: [
        { builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard' },
      ],
    },
    templating: {
      list: [
        {
          name: 'model',
          label: 'model',
          type: 'query',
          datasource: DATASOURCE,
          definition: 'label_values(llm_requests_total, model)',
          query: { query: 'label_values(llm_requests_total, model)', refId: 'PrometheusVariableQueryEditor-VariableQuery' },
          includeAll: true,
          multi: true,
          allValue: '.*',
          refresh: 2,
          sort: 1,
          current: { selected: true, text: ['All'], value: ['$__all'] },
          options: [],
          hide: 0,
        },
      ],
    },
    panels,
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

/** Every generated file with its content: what scripts/slo-rules.mjs writes and checks. */
export function sloOutputs(slos = loadSlos()) {
  return [
    { path: SLO_RULES_FILE, text: renderSloRules(slos) },
    { path: SLO_PROMETHEUS_RULE_FILE, text: renderPrometheusRule(slos) },
    { path: SLO_DASHBOARD_FILE, text: renderSloDashboard(slos) },
  ];
}
