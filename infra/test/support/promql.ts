import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INFRA_DIR } from './tools.js';

export const DASHBOARDS_DIR = join(INFRA_DIR, 'grafana', 'dashboards');

export interface GrafanaTarget {
  refId: string;
  expr: string;
  exemplar?: boolean;
  datasource?: { type?: string; uid?: string };
}

export interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
  gridPos?: { h: number; w: number; x: number; y: number };
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  tags: string[];
  panels: GrafanaPanel[];
  templating: { list: Array<{ name: string; type: string; query?: { query?: string } | string; definition?: string }> };
}

export interface DashboardFile {
  name: string;
  dashboard: GrafanaDashboard;
}

export function dashboardFiles(): DashboardFile[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ name, dashboard: JSON.parse(readFileSync(join(DASHBOARDS_DIR, name), 'utf8')) as GrafanaDashboard }));
}

/** Every panel, rows' nested panels included; rows themselves are left out. */
export function panelsOf(dashboard: GrafanaDashboard): GrafanaPanel[] {
  return dashboard.panels.flatMap((panel) => (panel.type === 'row' ? (panel.panels ?? []) : [panel]));
}

export interface PanelQuery {
  where: string;
  expr: string;
}

/** Grafana's built-in variables, as they would expand on a short test run. */
const GRAFANA_VARIABLES: Record<string, string> = {
  __rate_interval: '30s',
  __interval: '5s',
  __range: '2m',
  model: '.*',
};

/** The PromQL Prometheus would receive for a panel query; an unknown variable is an error. */
export function expandGrafanaVariables(expr: string, variables: Record<string, string> = GRAFANA_VARIABLES): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (all, braced?: string, bare?: string) => {
    const name = braced ?? bare!;
    const value = variables[name];
    if (value === undefined) throw new Error(`unknown Grafana variable ${all} in: ${expr}`);
    return value;
  });
}

export function dashboardQueries(): PanelQuery[] {
  return dashboardFiles().flatMap(({ name, dashboard }) =>
    panelsOf(dashboard).flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ where: `${name} › ${panel.title} › ${target.refId}`, expr: expandGrafanaVariables(target.expr) })),
    ),
  );
}

const KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'atan2',
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
  'inf', 'nan',
]);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/**
 * The vector selectors of a PromQL expression (`name{matchers}`), without range or offset: enough
 * to ask Prometheus whether each input of an alert has data. A small scanner, not a parser: it
 * knows strings, label matchers, ranges, grouping clauses and function calls.
 */
export function selectorsOf(expr: string): string[] {
  const selectors: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < expr.length && /\s/.test(expr[i]!)) i++;
  };
  const readBalanced = (open: string, close: string): string => {
    const start = i;
    let depth = 0;
    while (i < expr.length) {
      const c = expr[i]!;
      if (c === '"' || c === "'" || c === '`') {
        i++;
        while (i < expr.length && expr[i] !== c) i += expr[i] === '\\' ? 2 : 1;
      } else if (c === open) depth++;
      else if (c === close && --depth === 0) {
        i++;
        return expr.slice(start, i);
      }
      i++;
    }
    throw new Error(`unbalanced ${open} in: ${expr}`);
  };
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i++;
      while (i < expr.length && expr[i] !== c) i += expr[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '[') {
      readBalanced('[', ']');
    } else if (c === '{') {
      selectors.push(readBalanced('{', '}'));
    } else if (/[0-9.]/.test(c)) {
      while (i < expr.length && /[0-9a-zA-Z.+_]/.test(expr[i]!)) i++;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const start = i;
      while (i < expr.length && /[a-zA-Z0-9_:]/.test(expr[i]!)) i++;
      const name = expr.slice(start, i);
      skipSpace();
      if (GROUPING.has(name.toLowerCase())) {
        if (expr[i] === '(') readBalanced('(', ')');
      } else if (expr[i] === '(' || KEYWORDS.has(name.toLowerCase())) {
        // a function call or an operator keyword
      } else if (expr[i] === '{') {
        selectors.push(name + readBalanced('{', '}'));
      } else {
        selectors.push(name);
      }
    } else {
      i++;
    }
  }
  return [...new Set(selectors)];
}

/** The metric names an expression reads (selectors with a name). */
export function metricNamesOf(expr: string): string[] {
  return [...new Set(selectorsOf(expr).map((selector) => selector.split('{')[0]!).filter((name) => name.length > 0))];
}
