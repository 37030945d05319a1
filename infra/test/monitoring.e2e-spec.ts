import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedis, type TestRedis } from '@tokenscope/testing';
import {
  ALERTMANAGER_BINARIES,
  alertmanagerArgs,
  findBinary,
  prometheusArgs,
  renderAlertmanagerConfig,
  renderPrometheusConfig,
} from '../lib/local-stack.mjs';
import { loadSlos, renderSloRules, SLO_RULES_FILE } from '../lib/slo-rules.mjs';
import { dashboardQueries, metricNamesOf, selectorsOf } from './support/promql.js';
import { builtAppEnv, eventually, fakeNvidiaSmiIn, ProcessGroup } from './support/processes.js';
import { alertRules, recordingRules, ruleFiles, shortenRuleText } from './support/rules.js';
import { REPO_DIR, requireBinary } from './support/tools.js';

/**
 * Metrics of docs/metrics.md that no app exports yet, each with the reason. Every rule, alert
 * input and panel query that reads one of them (directly or through a recording rule) is
 * expected to return nothing; everything else must return data. The list must stay honest: a
 * metric that starts returning data fails the test until it is removed from here.
 */
const EXPECTED_EMPTY: Record<string, string> = {};

/** Windows and `for:` of the test copy of the rules: 5m -> 20s windows, 5m -> 10s holds. */
const SHORTENING = {
  window: (seconds: number) => Math.min(30, Math.max(10, seconds / 15)),
  holdFor: (seconds: number) => Math.min(10, Math.max(2, seconds / 30)),
};
/**
 * The SLO rules are generated with every window divided by this (5m -> 20s, 1h -> 4m, 30d -> 2d),
 * keeping the ratios between windows that the burn-rate alerts rely on.
 */
const SLO_TIME_SCALE = 15;
const SLO_ALERTS = loadSlos().map((slo) => slo.alert);
const MODELS = ['sim-fast', 'sim-large', 'sim-local-8b'] as const;
const FAULTY_MODEL = 'sim-fast';
const APPS = ['gateway', 'quality', 'gpu-agent'] as const;

interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

interface WebhookCall {
  path: string;
  body: { receiver: string; status: 'firing' | 'resolved'; alerts: WebhookAlert[] };
}

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Requests through the gateway from a few workers until stopped: every model, streamed or not. */
class Traffic {
  private isRunning = false;
  private workers: Promise<void>[] = [];
  readonly statuses = new Map<number, number>();
  /** Requests that got no answer (timeouts, resets); not asserted, only for debugging. */
  failures = 0;

  constructor(
    private readonly gatewayUrl: string,
    private readonly qualityUrl: string,
  ) {}

  start(workerCount = 3): void {
    this.isRunning = true;
    this.workers = Array.from({ length: workerCount }, (_, i) => this.work(i));
  }

  async stop(): Promise<void> {
    this.isRunning = false;
    await Promise.all(this.workers);
  }

  count(status: number): number {
    return this.statuses.get(status) ?? 0;
  }

  serverErrors(): number {
    return [...this.statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
  }

  private async work(worker: number): Promise<void> {
    for (let n = 0; this.isRunning; n++) {
      const model = MODELS[(worker + n) % MODELS.length]!;
      const isStreaming = n % 2 === 1;
      try {
        const response = await fetch(`${this.gatewayUrl}/v1/generate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            prompt: `Why does time to first token matter? (${worker}-${n})`,
            model,
            max_tokens: 12,
            stream: isStreaming,
            user: `user-${n % 4}`,
            ...(n % 3 === 0 ? { context: ['Time to first token is what a user waits before the answer starts.'] } : {}),
          }),
          signal: AbortSignal.timeout(20_000),
        });
        await response.text();
        this.statuses.set(response.status, this.count(response.status) + 1);
        const requestId = response.headers.get('x-request-id');
        // a vote now and then, so that the feedback and satisfaction series exist
        if (response.ok && requestId && n % 5 === 0) {
          const vote = await fetch(`${this.qualityUrl}/v1/feedback`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ request_id: requestId, thumbs_up: n % 10 === 0 }),
            signal: AbortSignal.timeout(10_000),
          });
          await vote.text();
        }
      } catch {
        this.failures++;
      }
      await sleep(100);
    }
  }
}

describe('the monitoring stack on the real apps (Prometheus, Alertmanager, webhook)', () => {
  const processes = new ProcessGroup();
  const webhookCalls: WebhookCall[] = [];
  let dir: string | undefined;
  let redis: TestRedis | undefined;
  let webhook: Server | undefined;
  let traffic: Traffic | undefined;
  let gatewayUrl = '';
  let prometheusUrl = '';
  let alertmanagerUrl = '';

  async function promQuery(expr: string): Promise<PromSample[]> {
    const response = await fetch(`${prometheusUrl}/api/v1/query`, {
      method: 'POST',
      body: new URLSearchParams({ query: expr }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
    if (body.status !== 'success') throw new Error(`query failed: ${expr}\n${body.error}`);
    const { resultType, result } = body.data!;
    if (resultType === 'scalar' || resultType === 'string') return [{ metric: {}, value: result as [number, string] }];
    return result as PromSample[];
  }

  /** Recording rule → the raw metrics it reads, through other recording rules too. */
  function rawMetricsOf(expr: string): string[] {
    const records = new Map(recordingRules().map((rule) => [rule.record!, rule.expr]));
    const seen = new Set<string>();
    const visit = (metric: string) => {
      if (seen.has(metric)) return;
      seen.add(metric);
      const recorded = records.get(metric);
      if (recorded) for (const inner of metricNamesOf(recorded)) visit(inner);
    };
    for (const metric of metricNamesOf(expr)) visit(metric);
    return [...seen].filter((metric) => !records.has(metric));
  }

  const isExpectedEmpty = (expr: string) => rawMetricsOf(expr).some((metric) => metric in EXPECTED_EMPTY);

  /**
   * Evaluates every expression; each must succeed, and return data unless it reads an
   * EXPECTED_EMPTY metric (polled: rates need a few scrapes).
   */
  async function expectAllHaveData(what: string, queries: Array<{ where: string; expr: string }>): Promise<void> {
    // an expression Prometheus rejects fails at once: waiting would not fix it
    for (const query of queries) {
      await promQuery(query.expr).catch((error: Error) => {
        throw new Error(`${query.where}: ${error.message}`);
      });
    }
    const pending = queries.filter((query) => !isExpectedEmpty(query.expr));
    await eventually(
      what,
      async () => {
        const missing: string[] = [];
        for (const query of pending) {
          if ((await promQuery(query.expr)).length === 0) missing.push(`${query.where}: ${query.expr}`);
        }
        if (missing.length > 0) throw new Error(`no data yet for:\n  ${missing.join('\n  ')}`);
      },
      processes,
      60_000,
      2_000,
    );
  }

  function criticalCalls(status: 'firing' | 'resolved'): WebhookAlert[] {
    return webhookCalls
      .filter((call) => call.path === '/critical' && call.body.status === status)
      .flatMap((call) => call.body.alerts)
      .filter((alert) => alert.labels.alertname === 'HighErrorRate' && alert.labels.model === FAULTY_MODEL && alert.status === status);
  }

  /** Waits until Alertmanager holds the failing model's alert of that name and severity back (inhibition). */
  async function expectInhibited(alertname: string, severity: string): Promise<void> {
    await eventually(
      `${alertname} (${severity}) of ${FAULTY_MODEL} suppressed by inhibition in Alertmanager`,
      async () => {
        const response = await fetch(`${alertmanagerUrl}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`);
        const alerts = (await response.json()) as Array<{ labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }>;
        const alert = alerts.find((a) => a.labels.severity === severity && a.labels.model === FAULTY_MODEL);
        if (!alert) throw new Error(`no ${severity} alert in Alertmanager yet: ${JSON.stringify(alerts.map((a) => a.labels))}`);
        return alert.status.state === 'suppressed' && alert.status.inhibitedBy.length > 0;
      },
      processes,
    );
  }

  async function setServerErrorRate(rate: number): Promise<void> {
    const response = await fetch(`${gatewayUrl}/admin/simulator/faults/${FAULTY_MODEL}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ server_error_rate: rate }),
    });
    expect(response.status).toBe(200);
  }

  beforeAll(async () => {
    for (const binary of ['redis-server', 'prometheus']) requireBinary(binary);
    const alertmanagerBinary = findBinary(ALERTMANAGER_BINARIES);
    if (!alertmanagerBinary) requireBinary('prometheus-alertmanager');
    for (const app of APPS) {
      if (!existsSync(join(REPO_DIR, 'apps', app, 'dist', 'main.js'))) throw new Error(`apps/${app}/dist is missing: run \`npm run build\` first`);
    }

    dir = mkdtempSync(join(tmpdir(), 'tokenscope-monitoring-'));
    redis = await startRedis();
    const [gatewayPort, qualityPort, agentPort, prometheusPort, alertmanagerPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const qualityUrl = `http://127.0.0.1:${qualityPort}`;
    prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    alertmanagerUrl = `http://127.0.0.1:${alertmanagerPort}`;

    webhook = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        try {
          webhookCalls.push({ path: request.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookCall['body'] });
        } catch {
          // not JSON: Alertmanager never sends that; ignore
        }
        response.end();
      });
    });
    await new Promise<void>((resolve) => webhook!.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}`;

    // the test copy of the rules: same expressions and thresholds, short windows and holds; the
    // SLO rules come from their generator, scaled (clamping their windows to 10-30 s would
    // make the long and short window of a pair the same)
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir);
    for (const file of ruleFiles()) {
      const text = file.path === SLO_RULES_FILE ? renderSloRules(loadSlos(), { timeScale: SLO_TIME_SCALE }) : shortenRuleText(file.text, SHORTENING);
      writeFileSync(join(rulesDir, file.name), text);
    }

    const prometheusConfig = join(dir, 'prometheus.yml');
    writeFileSync(
      prometheusConfig,
      renderPrometheusConfig({
        targets: {
          gateway: `127.0.0.1:${gatewayPort}`,
          quality: `127.0.0.1:${qualityPort}`,
          'gpu-agent': `127.0.0.1:${agentPort}`,
          prometheus: `127.0.0.1:${prometheusPort}`,
          alertmanager: `127.0.0.1:${alertmanagerPort}`,
        },
        ruleFiles: [join(rulesDir, '*.yml')],
        alertmanager: `127.0.0.1:${alertmanagerPort}`,
        scrapeInterval: '1s',
        evaluationInterval: '1s',
      }),
    );
    const alertmanagerConfig = join(dir, 'alertmanager.yml');
    writeFileSync(
      alertmanagerConfig,
      renderAlertmanagerConfig({
        defaultUrl: `${webhookUrl}/default`,
        criticalUrl: `${webhookUrl}/critical`,
        timings: { group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
      }),
    );

    // two busy H100s, through the GPU agent's own sampling path
    const { binDir, fakeNvidiaSmi } = fakeNvidiaSmiIn(dir);
    const appEnv = builtAppEnv({ binDir, home: dir, redis, logLevel: 'warn' });
    processes.startApp('gateway', { ...appEnv, GATEWAY_PORT: String(gatewayPort), GATEWAY_HOST: '127.0.0.1', SIMULATOR_SPEED: '0.05' });
    processes.startApp('quality', {
      ...appEnv,
      QUALITY_PORT: String(qualityPort),
      QUALITY_HOST: '127.0.0.1',
      // the judge detector on, so that its dashboard panels are tested too (it judges on a
      // simulated model, whose answers are not verdicts: they count as malformed)
      QUALITY_JUDGE_MODEL: 'sim-fast',
      QUALITY_JUDGE_GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
      QUALITY_JUDGE_SAMPLE_RATE: '0.02',
    });
    // sim-local-8b is billed by GPU time: these GPUs are its
    processes.startApp('gpu-agent', { ...appEnv, GPU_AGENT_PORT: String(agentPort), GPU_AGENT_HOST: '127.0.0.1', GPU_AGENT_NVIDIA_SMI: fakeNvidiaSmi, GPU_AGENT_MODEL: 'sim-local-8b' });
    processes.start('alertmanager', alertmanagerBinary!, alertmanagerArgs({ configFile: alertmanagerConfig, dataDir: join(dir, 'alertmanager'), listenAddress: `127.0.0.1:${alertmanagerPort}` }));
    processes.start('prometheus', 'prometheus', prometheusArgs({ configFile: prometheusConfig, dataDir: join(dir, 'prometheus'), listenAddress: `127.0.0.1:${prometheusPort}` }));

    const readiness = [
      ['gateway', `${gatewayUrl}/healthz`],
      ['quality', `${qualityUrl}/healthz`],
      ['gpu-agent', `http://127.0.0.1:${agentPort}/healthz`],
      ['prometheus', `${prometheusUrl}/-/ready`],
      ['alertmanager', `${alertmanagerUrl}/-/ready`],
    ] as const;
    await Promise.all(
      readiness.map(([name, url]) =>
        eventually(`${name} answers ${url}`, async () => (await fetch(url, { signal: AbortSignal.timeout(5_000) })).ok, processes, 60_000, 250),
      ),
    );

    traffic = new Traffic(gatewayUrl, qualityUrl);
    traffic.start();
  }, 120_000);

  afterAll(async () => {
    // each step runs even if an earlier one fails: no process or temp dir may outlive the test
    await traffic?.stop().catch(() => undefined);
    await processes.stopAll().catch(() => undefined);
    await new Promise<void>((resolve) => (webhook ? webhook.close(() => resolve()) : resolve()));
    await redis?.stop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('scrapes the three apps, Prometheus and Alertmanager', async () => {
    await eventually(
      'every scrape job up',
      async () => {
        const up = new Map((await promQuery('up')).map((sample) => [sample.metric.job!, sample.value[1]]));
        const down = ['gateway', 'quality', 'gpu-agent', 'prometheus', 'alertmanager'].filter((job) => up.get(job) !== '1');
        if (down.length > 0) throw new Error(`not up: ${down.join(', ')}`);
      },
      processes,
    );
  });

  it('delivers HighErrorRate for the failing model to the critical webhook, firing', async () => {
    await eventually('traffic for every model in Prometheus', async () => (await promQuery('model:llm_requests:rate5m > 0')).length === MODELS.length, processes);
    await setServerErrorRate(0.5);
    const [alert] = await eventually(
      'HighErrorRate (critical) firing at the critical webhook',
      () => {
        const alerts = criticalCalls('firing');
        if (alerts.length === 0) throw new Error(`webhook calls so far: ${JSON.stringify(webhookCalls.map((c) => [c.path, c.body.status, c.body.alerts.map((a) => a.labels.alertname)]))}`);
        return alerts;
      },
      processes,
      120_000,
    );
    expect(alert!.labels).toMatchObject({ alertname: 'HighErrorRate', severity: 'critical', model: FAULTY_MODEL });
    expect(alert!.annotations.summary).toBe(`More than 5% of ${FAULTY_MODEL} requests fail`);
    expect(alert!.annotations.description).toMatch(new RegExp(`^\\d+(\\.\\d+)?% of requests to model ${FAULTY_MODEL} ended with a server or upstream error`));
    expect(alert!.annotations.runbook).toMatch(/docs\/runbooks\.md#higherrorrate/);
    // the healthy models stay quiet
    const otherModels = webhookCalls.flatMap((call) => call.body.alerts).filter((a) => a.labels.alertname === 'HighErrorRate' && a.labels.model !== FAULTY_MODEL);
    expect(otherModels).toEqual([]);
    expect(traffic!.serverErrors()).toBeGreaterThan(0);
  }, 180_000);

  it('pages for the availability SLO of the failing model at the critical webhook, and holds back its ticket', async () => {
    const sloAlerts = () => webhookCalls.flatMap((call) => call.body.alerts.map((alert) => ({ path: call.path, alert }))).filter(({ alert }) => SLO_ALERTS.includes(alert.labels.alertname!));
    const [page] = await eventually(
      'AvailabilityBudgetBurn (page) firing at the critical webhook',
      () => {
        const pages = sloAlerts().filter(({ path, alert }) => path === '/critical' && alert.status === 'firing' && alert.labels.severity === 'page');
        if (pages.length === 0) throw new Error(`SLO alerts at the webhook so far: ${JSON.stringify(sloAlerts().map(({ path, alert }) => [path, alert.status, alert.labels]))}`);
        return pages;
      },
      processes,
      60_000,
    );
    expect(page!.alert.labels).toEqual({ alertname: 'AvailabilityBudgetBurn', severity: 'page', slo: 'availability', model: FAULTY_MODEL });
    expect(page!.alert.annotations.summary).toBe(`${FAULTY_MODEL} is spending its availability error budget fast`);
    expect(page!.alert.annotations.runbook_url).toBe('docs/runbooks.md#availabilitybudgetburn');
    // half the requests fail against a 0.5% budget: the burn rate heads for 100; it pages above 14.4 (1h) or 6 (6h)
    const burnRate = Number(/at (\d+(?:\.\d+)?) times the rate/.exec(page!.alert.annotations.description ?? '')?.[1]);
    expect(burnRate).toBeGreaterThan(6);
    expect(burnRate).toBeLessThanOrEqual(100);
    // the healthy models, and the latency SLOs of the failing one, stay quiet
    expect(sloAlerts().filter(({ alert }) => alert.labels.model !== FAULTY_MODEL || alert.labels.slo !== 'availability')).toEqual([]);
    await expectInhibited('AvailabilityBudgetBurn', 'ticket');
  }, 90_000);

  it('inhibits the warning HighErrorRate of the same model while the critical one fires', async () => {
    await expectInhibited('HighErrorRate', 'warning');
  });

  it('evaluates every rule without error, and every recording rule returns data', async () => {
    await eventually(
      'every rule evaluated without error',
      async () => {
        const response = await fetch(`${prometheusUrl}/api/v1/rules`);
        const body = (await response.json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> } };
        const rules = body.data.groups.flatMap((group) => group.rules);
        expect(rules).toHaveLength(recordingRules().length + alertRules().length);
        const unhealthy = rules.filter((rule) => rule.health !== 'ok');
        if (unhealthy.some((rule) => rule.health === 'err')) throw new Error(`rule errors: ${JSON.stringify(unhealthy)}`);
        if (unhealthy.length > 0) throw new Error(`not evaluated yet: ${unhealthy.map((r) => r.name).join(', ')}`);
      },
      processes,
    );
    await expectAllHaveData(
      'every recording rule has data',
      recordingRules().map((rule) => ({ where: `record ${rule.record}`, expr: rule.record! })),
    );
  }, 120_000);

  it('evaluates every alert expression, and every input of every alert returns data', async () => {
    for (const rule of alertRules()) await promQuery(rule.expr);
    const inputs = alertRules().flatMap((rule) => selectorsOf(rule.expr).map((selector) => ({ where: `alert ${rule.alert} (${rule.labels?.severity})`, expr: selector })));
    await expectAllHaveData('every alert input has data', inputs);
  }, 120_000);

  it('evaluates every dashboard panel query with data', async () => {
    await expectAllHaveData('every dashboard panel query has data', dashboardQueries());
  }, 120_000);

  it('keeps trace-id exemplars on the latency and TTFT histograms (the links from Grafana to Jaeger)', async () => {
    for (const metric of ['llm_request_latency_seconds_bucket', 'llm_ttft_seconds_bucket']) {
      await eventually(
        `exemplars with a trace_id on ${metric}`,
        async () => {
          const end = Date.now() / 1000;
          const params = new URLSearchParams({ query: metric, start: String(end - 600), end: String(end) });
          const body = (await (await fetch(`${prometheusUrl}/api/v1/query_exemplars?${params}`)).json()) as {
            data: Array<{ exemplars: Array<{ labels: Record<string, string> }> }>;
          };
          return body.data.some((series) => series.exemplars.some((exemplar) => /^[0-9a-f]{32}$/.test(exemplar.labels.trace_id ?? '')));
        },
        processes,
      );
    }
  });

  it("books the GPU agent's samples as GPU-time cost: whole samples of two H100s at $2.50 per GPU-hour", async () => {
    // the fake nvidia-smi has two GPUs, the agent samples every 5 s, sim-local-8b costs $2.50 per GPU-hour
    const SAMPLE_COST_USD = (2 * 5 * 2.5) / 3600;
    const [cost] = await eventually(
      'llm_gpu_cost_dollars_total above 0',
      async () => {
        const samples = await promQuery('sum by (model) (llm_gpu_cost_dollars_total)');
        if (!samples.some((sample) => Number(sample.value[1]) > 0)) throw new Error(`no GPU cost yet: ${JSON.stringify(samples)}`);
        return samples;
      },
      processes,
    );
    expect(cost!.metric).toEqual({ model: 'sim-local-8b' });
    const samplesBooked = Number(cost!.value[1]) / SAMPLE_COST_USD;
    expect(samplesBooked).toBeGreaterThanOrEqual(1);
    expect(Math.abs(samplesBooked - Math.round(samplesBooked))).toBeLessThan(1e-6);
    await eventually(
      'a GPU cost per 1K tokens for sim-local-8b',
      async () => {
        const [per1k] = await promQuery('model:llm_gpu_cost_per_1k_tokens_dollars:rate5m{model="sim-local-8b"}');
        return per1k !== undefined && Number(per1k.value[1]) > 0 && Number.isFinite(Number(per1k.value[1]));
      },
      processes,
    );
  });

  it('keeps EXPECTED_EMPTY honest: each entry is a documented metric that still has no series', async () => {
    const contract = readFileSync(join(REPO_DIR, 'docs', 'metrics.md'), 'utf8');
    for (const metric of Object.keys(EXPECTED_EMPTY)) {
      expect({ metric, documented: contract.includes(`\`${metric}\``) }).toEqual({ metric, documented: true });
      const series = await promQuery(`group(${metric})`);
      if (series.length > 0) throw new Error(`${metric} has data now: remove it from EXPECTED_EMPTY in infra/test/monitoring.e2e-spec.ts`);
    }
  });

  it('delivers HighErrorRate as resolved once the model stops failing', async () => {
    await setServerErrorRate(0);
    await eventually(
      'HighErrorRate (critical) resolved at the critical webhook',
      () => criticalCalls('resolved').length > 0,
      processes,
      120_000,
    );
  }, 180_000);
});
