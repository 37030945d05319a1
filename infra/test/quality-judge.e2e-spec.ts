import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costDayOf } from '@tokenscope/cost';
import { judgeSpendKey } from '@tokenscope/queue-contracts';
import { freePort, sampleValue, scrape, startFakeUpstream, startRedis, type FakeUpstream, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { eventually, ProcessGroup } from './support/processes.js';
import { REPO_DIR } from './support/tools.js';

// The judge detector end to end (issue 17): the built quality service judges generations by
// calling the built gateway, whose upstream is the fake server scripted to answer judge prompts
// as a judge model would: a strict verdict, a malformed one, one slower than the judge's timeout.
const MODEL = 'upstream-model';
const VERSION = `judge:${MODEL}@rubric-2`;
// $1 per 1K prompt tokens, $2 per 1K completion tokens: a judge reply of 100 + 10 tokens costs $0.12
const JUDGE_USAGE = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 };
const JUDGE_CALL_USD = 0.12;

type JudgeReply = { content: string; delayMs?: number };

describe('the judge detector through the gateway', () => {
  const processes = new ProcessGroup();
  let redis: TestRedis;
  let upstream: FakeUpstream;
  let gatewayUrl: string;
  let qualityUrl: string;
  // what the fake judge answers next, one entry per judge call
  const replies: JudgeReply[] = [];

  beforeAll(async () => {
    for (const app of ['gateway', 'quality']) {
      if (!existsSync(join(REPO_DIR, 'apps', app, 'dist', 'main.js'))) throw new Error(`apps/${app}/dist is missing: run \`npm run build\` first`);
    }
    redis = await startRedis();
    upstream = await startFakeUpstream({ models: [MODEL] });
    upstream.behavior.script = (body) => {
      const messages = body.messages as Array<{ role: string; content: string }> | undefined;
      if (!messages?.[0]?.content.startsWith('You review one answer of an AI assistant')) return undefined;
      const reply = replies.shift() ?? { content: '{"verdict":"answer"}' };
      return {
        delayMs: reply.delayMs,
        body: { id: 'judge', object: 'chat.completion', model: MODEL, choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop' }], usage: JUDGE_USAGE },
      };
    };
    const home = mkdtempSync(join(tmpdir(), 'judge-e2e-'));
    const pricesFile = join(home, 'prices.yaml');
    writeFileSync(pricesFile, `prices:\n  ${MODEL}:\n    price:\n      input_per_1k_usd: 1\n      output_per_1k_usd: 2\n`);
    const [gatewayPort, qualityPort] = [await freePort(), await freePort()];
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    qualityUrl = `http://127.0.0.1:${qualityPort}`;
    const appEnv = { PATH: process.env.PATH ?? '', HOME: home, REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, LOG_LEVEL: 'warn', PRICES_FILE: pricesFile };
    processes.startApp('gateway', { ...appEnv, GATEWAY_PORT: String(gatewayPort), GATEWAY_HOST: '127.0.0.1', LLM_BACKEND: 'openai', UPSTREAM_URL: upstream.url });
    processes.startApp('quality', {
      ...appEnv,
      QUALITY_PORT: String(qualityPort),
      QUALITY_HOST: '127.0.0.1',
      QUALITY_METRICS_REFRESH_MS: '100',
      QUALITY_JUDGE_MODEL: MODEL,
      QUALITY_JUDGE_SAMPLE_RATE: '1',
      QUALITY_JUDGE_GATEWAY_URL: gatewayUrl,
      QUALITY_JUDGE_TIMEOUT_MS: '1000',
      // two calls of $0.12 fit, the third goes over: the fourth is skipped
      QUALITY_JUDGE_DAILY_BUDGET_USD: '0.3',
    });
    for (const url of [gatewayUrl, qualityUrl]) await eventually(`${url}/readyz`, async () => (await fetch(`${url}/readyz`)).status === 200, processes, 30_000, 200);
  }, 60_000);

  afterAll(async () => {
    await processes.stopAll();
    await upstream?.close();
    await redis?.stop();
  });

  /** One user generation through the gateway (no context: the refusal signal only), then waits until the judge is done with it. */
  async function generateAndWaitForJudge(reply: JudgeReply | undefined, expectedJudged: number): Promise<void> {
    if (reply) replies.push(reply);
    const response = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': 'alice' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Explain prefill.' }] }),
    });
    expect(response.status).toBe(200);
    await response.text();
    await eventually(
      `judge reviews: ${expectedJudged}`,
      async () => {
        const samples = await scrape(qualityUrl);
        const judged = ['ok', 'malformed', 'timeout', 'error', 'skipped_budget', 'dropped'].reduce((sum, outcome) => sum + sampleValue(samples, 'llm_quality_judge_requests_total', { signal: 'refusal', outcome }), 0);
        return judged === expectedJudged;
      },
      processes,
      20_000,
      100,
    );
  }

  it('records each verdict, a malformed one, a slow one and the spent budget as exact counts, and never judges its own calls', async () => {
    await generateAndWaitForJudge({ content: '{"verdict":"refusal"}' }, 1);
    await generateAndWaitForJudge({ content: 'Verdict: refusal' }, 2);
    await generateAndWaitForJudge({ content: '{"verdict":"answer"}', delayMs: 2500 }, 3);
    await generateAndWaitForJudge({ content: ' {"verdict":"answer"}\n' }, 4);
    // $0.36 spent of $0.30: no call is made
    await generateAndWaitForJudge(undefined, 5);

    const samples = await scrape(qualityUrl);
    const requests = (outcome: string) => sampleValue(samples, 'llm_quality_judge_requests_total', { signal: 'refusal', outcome });
    expect([requests('ok'), requests('malformed'), requests('timeout'), requests('error'), requests('skipped_budget'), requests('dropped')]).toEqual([2, 1, 1, 0, 1, 0]);
    // the timed-out call was abandoned before the gateway answered: priced calls are the ok and malformed ones
    expect(sampleValue(samples, 'llm_quality_judge_cost_dollars_total')).toBeCloseTo(3 * JUDGE_CALL_USD, 9);
    expect(sampleValue(samples, 'llm_quality_judge_latency_seconds_count', { signal: 'refusal' })).toBe(4);
    // the slow call is timed at the timeout, not at the upstream's 2.5 s
    expect(sampleValue(samples, 'llm_quality_judge_latency_seconds_bucket', { signal: 'refusal', le: '2' })).toBe(4);
    // the rules cleared every answer; the judge called one a refusal: one disagreement
    expect(sampleValue(samples, 'llm_quality_judge_disagreements_total', { signal: 'refusal', judge_verdict: 'flagged' })).toBe(1);
    expect(sampleValue(samples, 'llm_quality_verdicts_total', { signal: 'refusal', version: VERSION, verdict: 'flagged' })).toBe(1);
    expect(sampleValue(samples, 'llm_quality_verdicts_total', { signal: 'refusal', version: VERSION, verdict: 'clear' })).toBe(1);
    // the rules' verdicts carry their version too: five user generations, each cleared
    expect(sampleValue(samples, 'llm_quality_verdicts_total', { signal: 'refusal', version: 'refusal-rules@4', verdict: 'clear' })).toBe(5);
    // the judge's four calls reached the upstream, but none of them was judged or counted in the window
    expect(upstream.received.filter((r) => String((r.body.messages as Array<{ content: string }>)[0]?.content).startsWith('You review'))).toHaveLength(4);
    await eventually('window of five', async () => sampleValue(await scrape(qualityUrl), 'llm_quality_window_generations') === 5, processes, 10_000, 100);
    // the spend is shared through Redis, for every replica
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys(judgeSpendKey(redis.prefix, '*'));
      expect(keys).toEqual([judgeSpendKey(redis.prefix, costDayOf(Date.now(), 'UTC'))]);
      expect(Number(await client.get(keys[0]!))).toBeCloseTo(3 * JUDGE_CALL_USD, 9);
    } finally {
      client.disconnect();
    }
  }, 90_000);

  it("gives the judge the question with a context: gateway event v3 -> quality -> judge prompt through the gateway", async () => {
    // a new day's budget for this case: the case above spent past it
    const client = new Redis(redis.url);
    try {
      await client.del(judgeSpendKey(redis.prefix, costDayOf(Date.now(), 'UTC')));
    } finally {
      client.disconnect();
    }
    const groundednessJudged = (samples: Awaited<ReturnType<typeof scrape>>) =>
      ['ok', 'malformed', 'timeout', 'error', 'skipped_budget', 'dropped'].reduce((sum, outcome) => sum + sampleValue(samples, 'llm_quality_judge_requests_total', { signal: 'hallucination', outcome }), 0);
    const before = groundednessJudged(await scrape(qualityUrl));
    const response = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': 'alice' },
      body: JSON.stringify({
        model: MODEL,
        messages: [
          { role: 'user', content: 'Hello.' },
          { role: 'user', content: 'How many Nobel Prizes did Marie Curie win?' },
        ],
        context: ['She received the Nobel Prize in Physics in 1903 and the Nobel Prize in Chemistry in 1911.'],
      }),
    });
    expect(response.status).toBe(200);
    await response.text();
    await eventually('the groundedness judge call', async () => groundednessJudged(await scrape(qualityUrl)) === before + 1, processes, 20_000, 100);
    const judgePrompts = upstream.received
      .map((r) => r.body.messages as Array<{ content: string }>)
      .filter((messages) => String(messages[0]?.content).includes('grounded in them'))
      .map((messages) => messages[1]!.content);
    expect(judgePrompts).toHaveLength(1);
    // the last user message, between the context and the answer
    expect(judgePrompts[0]).toMatch(/^<context>\n<document index="1">\nShe received the Nobel Prize in Physics in 1903 and the Nobel Prize in Chemistry in 1911\.\n<\/document>\n<\/context>\n<question>\nHow many Nobel Prizes did Marie Curie win\?\n<\/question>\n<answer>\n/);
  }, 60_000);
});
