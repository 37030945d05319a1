import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sampleSum, scrape, startRedis, type TestRedis } from '@tokenscope/testing';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { builtAppEnv, eventually, fakeNvidiaSmiIn, ProcessGroup } from './support/processes.js';
import { REPO_DIR, requireBinary } from './support/tools.js';

/**
 * The console in a real browser (Debian's chromium through playwright-core) against the built
 * gateway, quality service and GPU agent as processes, with API keys configured: what a person
 * sees must be what the gateway answered and what /metrics and /v1/quality say.
 *
 * Screenshots go to .tmp/console-screenshots; with UPDATE_SCREENSHOTS=1 to docs/ (the README's).
 */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOTS_DIR = process.env.UPDATE_SCREENSHOTS === '1' ? join(REPO_DIR, 'docs') : join(REPO_DIR, '.tmp', 'console-screenshots');
const KEYS = { admin: 'console-admin-key', alice: 'console-alice-key', bob: 'console-bob-key' };
const TRACE_URL = 'https://jaeger.example.test/trace/{traceId}';

interface Sent {
  id: string;
  user: 'alice' | 'bob';
  model: string;
  httpStatus: number;
  body: { usage?: { prompt_tokens: number; completion_tokens: number }; cost_usd?: number };
  answeredAtMs: number;
}

/** What the page did wrong: console errors, uncaught exceptions, failed requests, error answers. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return problems;
}

describe('console (browser)', () => {
  const processes = new ProcessGroup();
  let redis: TestRedis;
  let dir: string;
  let gatewayUrl: string;
  let qualityUrl: string;
  let gatewayLog: string;
  let context: BrowserContext;
  const sent: Sent[] = [];
  const startedAtMs = Date.now();

  async function generate(user: 'alice' | 'bob', model: string, body: Record<string, unknown>, id: string): Promise<Sent> {
    const response = await fetch(`${gatewayUrl}/v1/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS[user]}`, 'x-request-id': id },
      body: JSON.stringify({ model, ...body }),
    });
    const answer: Sent = { id: response.headers.get('x-request-id')!, user, model, httpStatus: response.status, body: (await response.json()) as Sent['body'], answeredAtMs: Date.now() };
    sent.push(answer);
    return answer;
  }

  async function shot(page: Page, name: string, { isFullPage = false } = {}): Promise<void> {
    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS_DIR, `console-${name}.png`), fullPage: isFullPage });
  }

  async function loggedIn(page: Page, key: string): Promise<void> {
    await page.goto(`${qualityUrl}/console`);
    await page.fill('[data-login=key]', key);
    await page.click('[data-login=submit]');
  }

  beforeAll(async () => {
    requireBinary('redis-server');
    if (spawnSync(CHROMIUM, ['--version'], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`${CHROMIUM} does not run (Debian/Ubuntu: sudo apt-get install chromium; .ci/run installs it)`);
    }
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-console-'));
    redis = await startRedis();
    const [gatewayPort, qualityPort, agentPort] = [await freePort(), await freePort(), await freePort()];
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    qualityUrl = `http://127.0.0.1:${qualityPort}`;
    gatewayLog = join(dir, 'gateway.log');
    const { binDir, fakeNvidiaSmi } = fakeNvidiaSmiIn(dir);
    // tracing on with no exporter: spans (and trace ids) exist, nothing is sent anywhere
    const appEnv = { ...builtAppEnv({ binDir, home: dir, redis, logLevel: 'info' }), API_KEYS: `${KEYS.admin}:ops:admin,${KEYS.alice}:alice,${KEYS.bob}:bob` };
    processes.startApp('gateway', { ...appEnv, GATEWAY_PORT: String(gatewayPort), GATEWAY_HOST: '127.0.0.1', SIMULATOR_SPEED: '0.1' }, { logFile: gatewayLog });
    processes.startApp('quality', { ...appEnv, QUALITY_PORT: String(qualityPort), QUALITY_HOST: '127.0.0.1', CONSOLE_TRACE_URL_TEMPLATE: TRACE_URL, QUALITY_METRICS_REFRESH_MS: '200' });
    // GPUs with no model: shown in the console, never priced (the day's cost stays what requests cost)
    processes.startApp('gpu-agent', { ...appEnv, GPU_AGENT_PORT: String(agentPort), GPU_AGENT_HOST: '127.0.0.1', GPU_AGENT_NVIDIA_SMI: fakeNvidiaSmi, GPU_AGENT_INTERVAL_MS: '1000' });
    await Promise.all(
      [`${gatewayUrl}/readyz`, `${qualityUrl}/readyz`, `http://127.0.0.1:${agentPort}/healthz`].map((url) =>
        eventually(`${url} answers`, async () => (await fetch(url, { signal: AbortSignal.timeout(5_000) })).ok, processes, 60_000, 250),
      ),
    );
    context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1440, height: 900 },
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await processes.stopAll().catch(() => undefined);
    await redis?.stop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`console browser tests: ${((Date.now() - startedAtMs) / 1000).toFixed(1)} s`);
  }, 60_000);

  it('refuses a key that is not an admin key, in the page and in the API', async () => {
    const page = await context.newPage();
    await loggedIn(page, KEYS.alice);
    await page.waitForSelector('[data-login=problem]:has-text("not an admin key")');
    expect(await page.locator('header').count()).toBe(0);
    await shot(page, 'login');
    await page.close();
    for (const [authorization, status] of [
      [`Bearer ${KEYS.alice}`, 403],
      ['Bearer not-a-key', 401],
      [undefined, 401],
    ] as const) {
      const response = await fetch(`${qualityUrl}/v1/console/requests`, { headers: authorization ? { authorization } : {} });
      expect([authorization, response.status]).toEqual([authorization, status]);
    }
  });

  it('loads with no console error and no failed request, and shows a request within 5 s with what the gateway answered', async () => {
    const page = await context.newPage();
    const problems = watch(page);
    await loggedIn(page, KEYS.admin);
    await page.waitForSelector('[data-figure=requests]');
    await page.click('[data-nav=requests]');
    await page.waitForSelector('table.request-list');

    const answer = await generate('alice', 'sim-fast', { prompt: 'Why watch time to first token?', max_tokens: 24, temperature: 0 }, `console-e2e-${Date.now()}`);
    expect(answer.httpStatus).toBe(200);
    const row = page.locator(`tr[data-request-id="${answer.id}"]`);
    await row.waitFor({ timeout: 5_000 });
    const seenAfterMs = Date.now() - answer.answeredAtMs;
    expect(seenAfterMs).toBeLessThan(5_000);
    expect(await row.locator('[data-field=status]').getAttribute('data-value')).toBe('success');
    expect(await row.locator('[data-field=tokens]').getAttribute('data-value')).toBe(`${answer.body.usage!.prompt_tokens}/${answer.body.usage!.completion_tokens}`);
    expect(Number(await row.locator('[data-field=cost]').getAttribute('data-value'))).toBe(answer.body.cost_usd);
    expect(answer.body.cost_usd).toBeGreaterThan(0);
    expect(await row.locator('[data-field=user]').textContent()).toBe('alice');
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('narrows the list with each filter', async () => {
    const grounding = ['Prefill processes the whole prompt in one pass; decode then produces one token per step.'];
    for (let i = 0; i < 3; i++) await generate('bob', 'sim-large', { prompt: `bob asks ${i}`, max_tokens: 8, context: grounding }, `console-bob-${i}-${Date.now()}`);
    for (let i = 0; i < 2; i++) await generate('alice', 'sim-fast', { prompt: `alice asks ${i}`, max_tokens: 8 }, `console-alice-${i}-${Date.now()}`);
    const rejected = await generate('alice', 'sim-fast', { prompt: 'too few tokens', max_tokens: 0 }, `console-rejected-${Date.now()}`);
    expect(rejected.httpStatus).toBe(400);
    const page = await context.newPage();
    const problems = watch(page);
    await loggedIn(page, KEYS.admin);
    await page.waitForSelector('[data-figure=requests]');
    await page.goto(`${qualityUrl}/console#/requests`);
    const rows = page.locator('table.request-list tbody tr[data-request-id]');
    await eventually('every request listed', async () => (await rows.count()) === sent.length, processes, 10_000, 200);
    await shot(page, 'requests');

    const listed = async (field: string) => rows.locator(`[data-field=${field}]`).allTextContents();
    await page.fill('[data-filter=user]', 'bob');
    await eventually('only bob', async () => (await rows.count()) === 3, processes, 5_000, 100);
    expect(new Set(await listed('user'))).toEqual(new Set(['bob']));
    await page.fill('[data-filter=user]', '');
    await page.selectOption('[data-filter=model]', 'sim-fast');
    await eventually('only sim-fast', async () => (await rows.count()) === sent.filter((s) => s.model === 'sim-fast').length, processes, 5_000, 100);
    expect(new Set(await listed('model'))).toEqual(new Set(['sim-fast']));
    await page.selectOption('[data-filter=status]', 'rejected');
    await eventually('only the rejected one', async () => (await rows.count()) === 1, processes, 5_000, 100);
    expect(await rows.first().getAttribute('data-request-id')).toBe(rejected.id);
    await page.selectOption('[data-filter=status]', '');
    await page.selectOption('[data-filter=model]', '');
    await eventually('every request listed again', async () => (await rows.count()) === sent.length, processes, 5_000, 100);
    await page.fill('[data-filter=id]', 'ALICE-1');
    await eventually('only the id containing alice-1', async () => (await rows.count()) === 1, processes, 5_000, 100);
    expect(await rows.first().getAttribute('data-request-id')).toBe(sent.find((s) => s.id.startsWith('console-alice-1-'))!.id);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows a request's trace id (linked to the trace) and a log query that finds its lines", async () => {
    const target = sent.find((s) => s.user === 'bob')!;
    const page = await context.newPage();
    const problems = watch(page);
    await loggedIn(page, KEYS.admin);
    await page.waitForSelector('[data-figure=requests]');
    await page.goto(`${qualityUrl}/console#/requests`);
    await page.click(`tr[data-request-id="${target.id}"]`);
    await page.waitForSelector(`section.detail[data-request-id="${target.id}"]`);

    // the gateway's own completion line for this request names its trace; its lines carry the
    // gateway's own request id (the caller's x-request-id, which the client holds, is a correlation id)
    const logged = readFileSync(gatewayLog, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; trace_id?: string; request_id?: string; client_request_id?: string });
    const completion = logged.find((l) => l.msg === 'generation completed' && (l.request_id === target.id || l.client_request_id === target.id));
    const lines = logged.filter((l) => l.request_id !== undefined && l.request_id === completion?.request_id);
    const traceId = completion?.trace_id;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const link = page.locator('[data-field=trace]');
    expect(await link.textContent()).toBe(traceId);
    expect(await link.getAttribute('href')).toBe(TRACE_URL.replace('{traceId}', traceId!));

    const query = (await page.locator('[data-field=log-query]').textContent())!;
    const found = spawnSync('sh', ['-c', `${query} "$1"`, 'sh', gatewayLog], { encoding: 'utf8' });
    const foundLines = found.stdout.split('\n').filter(Boolean);
    expect(foundLines.length).toBe(lines.length);
    expect(foundLines.length).toBeGreaterThan(0);
    expect(foundLines.every((line) => line.includes(`"request_id":"${completion!.request_id}"`))).toBe(true);

    const segments = await page.locator('.timing-bar [data-segment]').evaluateAll((nodes) => nodes.map((n) => [n.getAttribute('data-segment'), Number(n.getAttribute('data-value'))]));
    expect(segments.map(([name]) => name)).toEqual(['ttft', 'generation']);
    expect(await page.locator('[data-field=tokens]').textContent()).toContain(`${target.body.usage!.prompt_tokens} in → ${target.body.usage!.completion_tokens} out`);
    await shot(page, 'detail');
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows an overview whose numbers agree with /metrics and /v1/quality', async () => {
    const voted = sent.filter((s) => s.httpStatus === 200).slice(0, 2);
    for (const [i, s] of voted.entries()) {
      const response = await fetch(`${qualityUrl}/v1/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS[s.user]}` },
        body: JSON.stringify({ request_id: s.id, thumbs_up: i === 0 }),
      });
      expect(response.status).toBe(200);
    }
    const page = await context.newPage();
    const problems = watch(page);
    await loggedIn(page, KEYS.admin);
    const figure = async (name: string) => {
      const value = await page.locator(`[data-figure=${name}]`).getAttribute('data-value');
      return value === '' || value === null ? null : Number(value);
    };
    const cell = async (model: string, field: string) => Number(await page.locator(`tr[data-model="${model}"] [data-field=${field}]`).getAttribute('data-value'));

    await eventually(
      'the overview agrees with the gateway, the quality service and the GPU agent',
      async () => {
        const [gateway, quality, report] = await Promise.all([
          scrape(gatewayUrl),
          scrape(qualityUrl),
          fetch(`${qualityUrl}/v1/quality`, { headers: { authorization: `Bearer ${KEYS.admin}` } }).then((r) => r.json() as Promise<{ rates: Record<string, number | null> }>),
        ]);
        expect(await figure('requests')).toBe(sampleSum(gateway, 'llm_requests_total'));
        expect(await figure('requests')).toBe(sent.length);
        for (const model of ['sim-fast', 'sim-large']) {
          expect([model, await cell(model, 'requests')]).toEqual([model, sampleSum(gateway, 'llm_requests_total', { model })]);
          expect([model, await cell(model, 'completion-tokens')]).toEqual([model, sampleSum(gateway, 'llm_tokens_generated_total', { model })]);
          expect(await cell(model, 'cost')).toBeCloseTo(sampleSum(gateway, 'llm_cost_dollars_total', { model }), 12);
        }
        expect(await figure('cost-today')).toBeCloseTo(sampleSum(quality, 'llm_daily_cost_dollars'), 12);
        expect(await figure('cost-today')).toBeGreaterThan(0);
        expect(await figure('refusal-rate')).toBe(report.rates.refusal_rate);
        expect(await figure('hallucination-rate')).toBe(report.rates.hallucination_rate);
        expect(await figure('satisfaction')).toBe(report.rates.user_satisfaction);
        expect(await figure('satisfaction')).toBe(0.5);
        const rejected = sampleSum(gateway, 'llm_requests_total', { status: 'rejected' });
        expect(rejected).toBe(1);
        // the fake nvidia-smi's two GPUs: 70% and 85% busy
        expect(await page.locator('[data-field=utilization]').evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-value'))))).toEqual([70, 85]);
        return true;
      },
      processes,
      15_000,
      500,
    );
    // the charts are uPlot canvases, drawn
    expect(await page.locator('.chart canvas').count()).toBe(4);
    await shot(page, 'overview', { isFullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
