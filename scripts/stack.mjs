#!/usr/bin/env node
// `npm run stack`: what `npm start` runs, plus, when their binaries are on PATH, a Prometheus
// loaded with infra/prometheus/rules and an Alertmanager routing with infra/alertmanager, both
// on localhost with their data in temp dirs: alerts at http://localhost:9090/alerts without
// containers. PROMETHEUS_PORT and ALERTMANAGER_PORT move them; ALERT_WEBHOOK_URL (and
// ALERT_WEBHOOK_CRITICAL_URL) say where Alertmanager delivers. Ctrl-C stops everything.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ALERTMANAGER_BINARIES,
  RULES_DIR,
  alertmanagerArgs,
  findBinary,
  prometheusArgs,
  renderAlertmanagerConfig,
  renderPrometheusConfig,
} from '../infra/lib/local-stack.mjs';
import { log, runTokenscope, startHelper, waitReady } from './start.mjs';

async function startMonitoring({ env, ports }) {
  const prometheus = findBinary(['prometheus']);
  const alertmanager = findBinary(ALERTMANAGER_BINARIES);
  if (!prometheus) {
    log('prometheus is not on PATH, so this runs the apps only (Debian/Ubuntu: sudo apt-get install prometheus prometheus-alertmanager).');
    return [];
  }
  const prometheusPort = env.PROMETHEUS_PORT ?? '9090';
  const alertmanagerPort = env.ALERTMANAGER_PORT ?? '9093';
  const lines = [];

  if (alertmanager) {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-alertmanager-'));
    const configFile = join(dir, 'alertmanager.yml');
    writeFileSync(configFile, renderAlertmanagerConfig({ defaultUrl: env.ALERT_WEBHOOK_URL, criticalUrl: env.ALERT_WEBHOOK_CRITICAL_URL }));
    startHelper('alertmanager', alertmanager, alertmanagerArgs({ configFile, dataDir: join(dir, 'data'), listenAddress: `127.0.0.1:${alertmanagerPort}` }), {
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    });
    const delivery = env.ALERT_WEBHOOK_URL ? `delivers to ${env.ALERT_WEBHOOK_URL}` : 'set ALERT_WEBHOOK_URL to deliver alerts';
    lines.push(`alertmanager http://localhost:${alertmanagerPort}   (${delivery})`);
  } else {
    log(`none of ${ALERTMANAGER_BINARIES.join(', ')} is on PATH: Prometheus evaluates the alerts but sends them nowhere.`);
  }

  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  const targets = {
    gateway: `127.0.0.1:${ports.gateway}`,
    quality: `127.0.0.1:${ports.quality}`,
    'gpu-agent': `127.0.0.1:${ports.gpuAgent}`,
    prometheus: `127.0.0.1:${prometheusPort}`,
    ...(alertmanager ? { alertmanager: `127.0.0.1:${alertmanagerPort}` } : {}),
  };
  writeFileSync(
    configFile,
    renderPrometheusConfig({ targets, ruleFiles: [join(RULES_DIR, '*.yml')], ...(alertmanager ? { alertmanager: targets.alertmanager } : {}) }),
  );
  startHelper('prometheus', prometheus, prometheusArgs({ configFile, dataDir: join(dir, 'data'), listenAddress: `127.0.0.1:${prometheusPort}` }), {
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
  await waitReady('prometheus', `http://127.0.0.1:${prometheusPort}/-/ready`);
  lines.unshift(`prometheus   http://localhost:${prometheusPort}   (alerts: /alerts, targets: /targets)`);
  return lines;
}

await runTokenscope({ extras: startMonitoring });
