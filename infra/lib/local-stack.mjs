// Renders the repo's Prometheus and Alertmanager configuration for processes on this machine
// (`npm run stack`, the infra end-to-end test): the compose service names become local
// addresses, and the webhook placeholders become real URLs. One implementation for both, so
// what the test proves is what a developer runs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

export const INFRA_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const PROMETHEUS_CONFIG = join(INFRA_DIR, 'prometheus', 'prometheus.yml');
export const RULES_DIR = join(INFRA_DIR, 'prometheus', 'rules');
export const ALERTMANAGER_CONFIG = join(INFRA_DIR, 'alertmanager', 'alertmanager.yml');

/** The receiver URLs of alertmanager.yml that compose and `npm run stack` replace. */
export const WEBHOOK_PLACEHOLDERS = {
  default: 'http://alert-webhook.invalid/default',
  critical: 'http://alert-webhook.invalid/critical',
};

/** The scrape jobs the alert rules rely on; every rendering must give each a target. */
export const REQUIRED_JOBS = ['gateway', 'quality', 'gpu-agent', 'prometheus'];

export function renderPrometheusConfig({ targets, ruleFiles, alertmanager, scrapeInterval, evaluationInterval }) {
  const config = parse(readFileSync(PROMETHEUS_CONFIG, 'utf8'));
  for (const job of [...REQUIRED_JOBS, ...(alertmanager ? ['alertmanager'] : [])]) {
    if (!targets[job]) throw new Error(`no local target given for the scrape job ${job}`);
  }
  const jobNames = new Set(config.scrape_configs.map((job) => job.job_name));
  for (const job of Object.keys(targets)) {
    if (!jobNames.has(job)) throw new Error(`${PROMETHEUS_CONFIG} has no scrape job ${job}`);
  }
  if (scrapeInterval) config.global.scrape_interval = scrapeInterval;
  if (evaluationInterval) config.global.evaluation_interval = evaluationInterval;
  config.rule_files = ruleFiles;
  if (alertmanager) config.alerting = { alertmanagers: [{ static_configs: [{ targets: [alertmanager] }] }] };
  else delete config.alerting;
  // jobs without a local target (vllm, found through compose's DNS) are left out
  config.scrape_configs = config.scrape_configs
    .filter((job) => targets[job.job_name])
    .map(({ static_configs: _static, dns_sd_configs: _dns, ...job }) => ({ ...job, static_configs: [{ targets: [targets[job.job_name]] }] }));
  return stringify(config);
}

const ROUTE_TIMINGS = ['group_wait', 'group_interval', 'repeat_interval'];

/** Sets the timings on the root route and on every child route that sets its own (the rest inherit). */
function overrideTimings(route, timings, isRoot = true) {
  for (const key of ROUTE_TIMINGS) {
    if (timings[key] !== undefined && (isRoot || route[key] !== undefined)) route[key] = timings[key];
  }
  for (const child of route.routes ?? []) overrideTimings(child, timings, false);
}

export function renderAlertmanagerConfig({ defaultUrl, criticalUrl, timings }) {
  let text = readFileSync(ALERTMANAGER_CONFIG, 'utf8');
  for (const [name, placeholder] of Object.entries(WEBHOOK_PLACEHOLDERS)) {
    if (!text.includes(placeholder)) throw new Error(`${ALERTMANAGER_CONFIG} lost its ${name} webhook placeholder ${placeholder}`);
  }
  if (defaultUrl) text = text.replaceAll(WEBHOOK_PLACEHOLDERS.default, defaultUrl);
  if (criticalUrl ?? defaultUrl) text = text.replaceAll(WEBHOOK_PLACEHOLDERS.critical, criticalUrl ?? defaultUrl);
  if (!timings) return text;
  const config = parse(text);
  overrideTimings(config.route, timings);
  return stringify(config);
}

/** The first of the names that is on PATH, or undefined. */
export function findBinary(names) {
  return names.find((name) => spawnSync('sh', ['-c', `command -v "${name}"`], { stdio: 'ignore' }).status === 0);
}

/** Debian calls it prometheus-alertmanager; upstream tarballs and Homebrew call it alertmanager. */
export const ALERTMANAGER_BINARIES = ['prometheus-alertmanager', 'alertmanager'];

export function prometheusArgs({ configFile, dataDir, listenAddress }) {
  return [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=${listenAddress}`,
    // trace-id exemplars of the latency histograms, for Grafana's links to Jaeger
    '--enable-feature=exemplar-storage',
    '--log.level=warn',
  ];
}

export function alertmanagerArgs({ configFile, dataDir, listenAddress }) {
  return [
    `--config.file=${configFile}`,
    `--storage.path=${dataDir}`,
    `--web.listen-address=${listenAddress}`,
    // a single instance: no gossip port to collide with anything
    '--cluster.listen-address=',
    '--log.level=warn',
  ];
}
