// Types of slo-rules.mjs (plain JavaScript so that scripts/slo-rules.mjs runs it without a build).

export declare const SLO_FILE: string;
export declare const SLO_RULES_FILE: string;
export declare const SLO_PROMETHEUS_RULE_FILE: string;
export declare const SLO_DASHBOARD_FILE: string;
export declare const BURN_RATE_WINDOWS: readonly string[];
export declare const BURN_RATE_ALERTS: ReadonlyArray<{
  severity: 'page' | 'ticket';
  pairs: ReadonlyArray<{ long: string; short: string; factor: number }>;
}>;
export declare const SLO_HISTOGRAMS: readonly string[];

/** One SLO of infra/slo/slos.yaml, validated. */
export interface Slo {
  name: string;
  alert: string;
  description: string;
  models?: string[];
  /** Share of valid requests that must be good, 0..1. */
  objective: number;
  window: '30d';
  sli: { type: 'availability' } | { type: 'latency'; histogram: string; threshold_seconds: number };
}

export interface SloRule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface SloRuleGroup {
  name: string;
  interval?: string;
  rules: SloRule[];
}

/** Parses and validates the text of an SLO file; throws naming every bad key. */
export declare function parseSlos(text: string, source?: string): Slo[];
export declare function loadSlos(path?: string): Slo[];

export interface SloRenderOptions {
  /** Divides every window and group interval (the end-to-end test); 1 by default. */
  timeScale?: number;
}

export declare function sloRuleGroups(slos: Slo[], options?: SloRenderOptions): SloRuleGroup[];
/** The rule file infra/prometheus/rules/slo.yml, as YAML text. */
export declare function renderSloRules(slos: Slo[], options?: SloRenderOptions): string;
/** The same groups as a monitoring.coreos.com/v1 PrometheusRule, as YAML text. */
export declare function renderPrometheusRule(slos: Slo[]): string;
/** The Grafana dashboard "SLOs", as JSON text. */
export declare function renderSloDashboard(slos: Slo[]): string;
/** Every generated file with its content. */
export declare function sloOutputs(slos?: Slo[]): Array<{ path: string; text: string }>;
