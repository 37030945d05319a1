// Types of kubernetes-manifests.mjs (plain JavaScript so that the script runs it without a build).
export declare const KUBERNETES_BASE_DIR: string;
export declare const DASHBOARDS_DIR: string;
export declare const GRAFANA_DASHBOARD_LABEL: Readonly<Record<string, string>>;
export declare function ruleFiles(): string[];
export declare function dashboardFiles(): string[];
export declare function kubernetesOutputs(): Array<{ path: string; text: string }>;
