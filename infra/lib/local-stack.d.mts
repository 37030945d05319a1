// Types of local-stack.mjs (plain JavaScript so that scripts/stack.mjs runs it without a build).

export declare const INFRA_DIR: string;
export declare const PROMETHEUS_CONFIG: string;
export declare const RULES_DIR: string;
export declare const ALERTMANAGER_CONFIG: string;
export declare const WEBHOOK_PLACEHOLDERS: { default: string; critical: string };
export declare const REQUIRED_JOBS: readonly string[];
export declare const ALERTMANAGER_BINARIES: readonly string[];

export interface PrometheusRenderOptions {
  /**
   * job name → host:port; every job of REQUIRED_JOBS needs one (and `alertmanager` when an
   * Alertmanager is given); jobs without one are dropped.
   */
  targets: Record<string, string>;
  /** Absolute paths or globs of rule files. */
  ruleFiles: string[];
  /** host:port of the Alertmanager that receives the alerts; unset: alerts go nowhere. */
  alertmanager?: string;
  scrapeInterval?: string;
  evaluationInterval?: string;
}

/** infra/prometheus/prometheus.yml with local targets, as YAML text. */
export declare function renderPrometheusConfig(options: PrometheusRenderOptions): string;

export interface AlertmanagerRenderOptions {
  /** Replaces the default receiver's placeholder; unset keeps it. */
  defaultUrl?: string;
  /** Replaces the critical receiver's placeholder; defaults to defaultUrl. */
  criticalUrl?: string;
  /** Overrides group_wait, group_interval, repeat_interval (tests). */
  timings?: { group_wait?: string; group_interval?: string; repeat_interval?: string };
}

/** infra/alertmanager/alertmanager.yml with the webhook URLs filled in, as YAML text. */
export declare function renderAlertmanagerConfig(options: AlertmanagerRenderOptions): string;

/** The first of the names that is on PATH, or undefined. */
export declare function findBinary(names: readonly string[]): string | undefined;

export declare function prometheusArgs(options: { configFile: string; dataDir: string; listenAddress: string }): string[];
export declare function alertmanagerArgs(options: { configFile: string; dataDir: string; listenAddress: string }): string[];
