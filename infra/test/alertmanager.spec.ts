import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALERTMANAGER_CONFIG, renderAlertmanagerConfig, WEBHOOK_PLACEHOLDERS } from '../lib/local-stack.mjs';
import { expectToolSuccess, INFRA_DIR, runTool } from './support/tools.js';

const RENDER_SCRIPT = join(INFRA_DIR, 'alertmanager', 'render-config.sh');

describe('Alertmanager configuration', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-amconfig-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes amtool check-config', () => {
    expectToolSuccess(runTool('amtool', ['check-config', ALERTMANAGER_CONFIG]), 'amtool check-config');
  });

  it.each([
    ['critical', 'critical'],
    ['warning', 'default'],
    ['info', 'default'],
    ['page', 'critical'],
    ['ticket', 'default'],
  ])('routes severity=%s alerts to the %s receiver', (severity, receiver) => {
    const run = runTool('amtool', ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_CONFIG}`, `--verify.receivers=${receiver}`, `severity=${severity}`, 'alertname=HighErrorRate', 'model=sim-fast']);
    expectToolSuccess(run, `amtool config routes test severity=${severity}`);
  });

  it('inhibits warnings by a critical alert of the same alert name or model', () => {
    const config = readFileSync(ALERTMANAGER_CONFIG, 'utf8');
    // amtool cannot evaluate inhibition; the end-to-end test checks it on a running Alertmanager
    expect(config).toMatch(/source_matchers: \['severity="critical"'\]\s+target_matchers: \['severity="warning"'\]\s+equal: \[alertname, model\]/);
  });

  it("inhibits an SLO's ticket while the same SLO pages for the same model", () => {
    const config = readFileSync(ALERTMANAGER_CONFIG, 'utf8');
    // the end-to-end test sees the inhibition happen
    expect(config).toMatch(/source_matchers: \['severity="page"'\]\s+target_matchers: \['severity="ticket"'\]\s+equal: \[alertname, slo, model\]/);
  });

  it('fills in the webhook URLs the same way in compose (render-config.sh) and in npm run stack', () => {
    const defaultUrl = 'https://hooks.example.com/alerts?team=llm&route=a|b';
    const criticalUrl = 'https://pager.example.com/v2/enqueue';
    const fromScript = join(dir, 'from-script.yml');
    const run = runTool('sh', [RENDER_SCRIPT, 'true'], {
      env: {
        ...process.env,
        ALERTMANAGER_CONFIG_TEMPLATE: ALERTMANAGER_CONFIG,
        ALERTMANAGER_CONFIG_OUT: fromScript,
        ALERT_WEBHOOK_URL: defaultUrl,
        ALERT_WEBHOOK_CRITICAL_URL: criticalUrl,
      },
    });
    expectToolSuccess(run, 'render-config.sh');
    const rendered = readFileSync(fromScript, 'utf8');
    expect(rendered).toBe(renderAlertmanagerConfig({ defaultUrl, criticalUrl }));
    expect(rendered).toContain(`url: '${defaultUrl}'`);
    expect(rendered).toContain(`url: '${criticalUrl}'`);
    expectToolSuccess(runTool('amtool', ['check-config', fromScript]), 'amtool check-config (rendered by render-config.sh)');
  });

  it('sends pages to ALERT_WEBHOOK_URL when no critical URL is set, and keeps the placeholders when nothing is set', () => {
    const onlyDefault = join(dir, 'only-default.yml');
    const env: NodeJS.ProcessEnv = { ...process.env, ALERTMANAGER_CONFIG_TEMPLATE: ALERTMANAGER_CONFIG, ALERTMANAGER_CONFIG_OUT: onlyDefault, ALERT_WEBHOOK_URL: 'http://hooks:9000/all' };
    delete env.ALERT_WEBHOOK_CRITICAL_URL;
    expectToolSuccess(runTool('sh', [RENDER_SCRIPT, 'true'], { env }), 'render-config.sh');
    expect(readFileSync(onlyDefault, 'utf8').match(/url: 'http:\/\/hooks:9000\/all'/g)).toHaveLength(2);

    const unset = join(dir, 'unset.yml');
    const bare: NodeJS.ProcessEnv = { ...process.env, ALERTMANAGER_CONFIG_TEMPLATE: ALERTMANAGER_CONFIG, ALERTMANAGER_CONFIG_OUT: unset };
    delete bare.ALERT_WEBHOOK_URL;
    delete bare.ALERT_WEBHOOK_CRITICAL_URL;
    expectToolSuccess(runTool('sh', [RENDER_SCRIPT, 'true'], { env: bare }), 'render-config.sh');
    expect(readFileSync(unset, 'utf8')).toBe(readFileSync(ALERTMANAGER_CONFIG, 'utf8'));
    expect(readFileSync(unset, 'utf8')).toContain(WEBHOOK_PLACEHOLDERS.critical);
  });
});
