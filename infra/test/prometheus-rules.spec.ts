import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROMETHEUS_CONFIG, renderPrometheusConfig } from '../lib/local-stack.mjs';
import { alertRules, RULE_TESTS_DIR, RULES_DIR, ruleFiles } from './support/rules.js';
import { expectToolSuccess, REPO_DIR, runTool } from './support/tools.js';

// page and ticket: the SLO burn-rate alerts (rules/slo.yml)
const SEVERITIES = ['critical', 'warning', 'info', 'page', 'ticket'];

interface AlertRuleTest {
  alertname: string;
  exp_alerts?: unknown[];
}

function alertRuleTests(): AlertRuleTest[] {
  return readdirSync(RULE_TESTS_DIR)
    .filter((name) => name.endsWith('.yml'))
    .flatMap((name) => {
      const file = parse(readFileSync(join(RULE_TESTS_DIR, name), 'utf8')) as { tests: Array<{ alert_rule_test?: AlertRuleTest[] }> };
      return file.tests.flatMap((test) => test.alert_rule_test ?? []);
    });
}

describe('Prometheus configuration and rules', () => {
  it('passes promtool check config, rule files included', () => {
    expectToolSuccess(runTool('promtool', ['check', 'config', PROMETHEUS_CONFIG]), 'promtool check config');
  });

  it('passes promtool check rules', () => {
    const files = ruleFiles().map((file) => file.path);
    expect(files.length).toBeGreaterThan(0);
    expectToolSuccess(runTool('promtool', ['check', 'rules', ...files]), 'promtool check rules');
  });

  // one run per file: each gets the whole tool timeout (slo.test.yml alone takes seconds)
  it.each(readdirSync(RULE_TESTS_DIR).filter((name) => name.endsWith('.yml')))('passes its unit tests in %s (promtool test rules)', (name) => {
    expectToolSuccess(runTool('promtool', ['test', 'rules', name], { cwd: RULE_TESTS_DIR }), `promtool test rules ${name}`);
  });

  // the SLO alerts link their section as runbook_url (the Prometheus Operator's and Grafana's name)
  const runbookOf = (rule: { annotations?: Record<string, string> }) => rule.annotations?.runbook ?? rule.annotations?.runbook_url ?? '';

  it('gives every alert a severity, a summary, a description with the value and a runbook line', () => {
    const problems: string[] = [];
    for (const rule of alertRules()) {
      const name = rule.alert!;
      if (!SEVERITIES.includes(rule.labels?.severity ?? '')) problems.push(`${name}: severity must be one of ${SEVERITIES.join(', ')}`);
      if (!rule.annotations?.summary) problems.push(`${name}: no summary`);
      if (!/\{\{\s*\$value\s*\|\s*\w+/.test(rule.annotations?.description ?? '')) problems.push(`${name}: the description must show {{ $value | humanize… }}`);
      if (!/docs\/runbooks\.md#[a-z0-9-]+/.test(runbookOf(rule))) problems.push(`${name}: the runbook line must point to docs/runbooks.md#section`);
    }
    expect(problems).toEqual([]);
  });

  it('points every runbook line at a section that docs/runbooks.md has', () => {
    const runbooks = readFileSync(join(REPO_DIR, 'docs', 'runbooks.md'), 'utf8');
    // GitHub's anchors: the heading lower-cased, spaces to dashes, punctuation dropped
    const anchors = new Set(
      [...runbooks.matchAll(/^#{2,3}\s+(.+)$/gm)].map(([, heading]) =>
        heading!.trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'),
      ),
    );
    const missing = alertRules()
      .map((rule) => /docs\/runbooks\.md#([a-z0-9-]+)/.exec(runbookOf(rule))?.[1])
      .filter((anchor): anchor is string => anchor !== undefined && !anchors.has(anchor));
    expect([...new Set(missing)]).toEqual([]);
  });

  it('has a firing and a non-firing unit test case for every alert', () => {
    const cases = alertRuleTests();
    const problems: string[] = [];
    for (const name of new Set(alertRules().map((rule) => rule.alert!))) {
      const mine = cases.filter((test) => test.alertname === name);
      if (!mine.some((test) => (test.exp_alerts ?? []).length > 0)) problems.push(`${name}: no case where it fires`);
      if (!mine.some((test) => (test.exp_alerts ?? []).length === 0)) problems.push(`${name}: no case where it must stay quiet`);
    }
    expect(problems).toEqual([]);
  });

  it('renders a local configuration (npm run stack, the end-to-end test) that promtool accepts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenscope-promconfig-'));
    try {
      const file = join(dir, 'prometheus.yml');
      writeFileSync(
        file,
        renderPrometheusConfig({
          targets: { gateway: '127.0.0.1:8000', quality: '127.0.0.1:8001', 'gpu-agent': '127.0.0.1:9400', prometheus: '127.0.0.1:9090', alertmanager: '127.0.0.1:9093' },
          ruleFiles: [join(RULES_DIR, '*.yml')],
          alertmanager: '127.0.0.1:9093',
        }),
      );
      expectToolSuccess(runTool('promtool', ['check', 'config', file]), 'promtool check config (rendered)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
