import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '@tokenscope/config';
import { costDayOf } from '@tokenscope/cost';
import { budgetKey, userSpendByDayKey } from '@tokenscope/queue-contracts';
import { sampleValue, startRedisCluster, type Samples, type TestRedisCluster } from '@tokenscope/testing';
import { Cluster } from 'ioredis';
import { metrics, post, startApp, type RunningApp } from './support/apps.js';
import { eventually, ProcessGroup } from './support/processes.js';

/**
 * Several replicas of each app, as processes on a real Redis Cluster (three masters, a replica
 * each), as Kubernetes or `docker compose --scale` runs them: every number must come out whole,
 * every limit must hold across replicas as it would on one.
 */
describe('three gateways and two quality services on a Redis Cluster', () => {
  const BUDGET_USD = 0.01;
  const TIME_ZONE = 'UTC';
  const processes = new ProcessGroup();
  let redis: TestRedisCluster;
  let client: Cluster;
  let dir: string;
  let gateways: RunningApp[];
  let qualities: RunningApp[];
  const keys = { alice: 'sk-alice-replicas', bob: 'sk-bob-replicas', carol: 'sk-carol-replicas', dave: 'sk-dave-replicas', ops: 'sk-ops-replicas' };
  const asKey = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    redis = await startRedisCluster();
    client = new Cluster(redis.nodes);
    dir = mkdtempSync(join(tmpdir(), 'replicas-'));
    const keysFile = join(dir, 'keys.yaml');
    writeFileSync(
      keysFile,
      [
        'keys:',
        ...['alice', 'bob', 'carol'].map((user) => `  - { sha256: ${sha256Hex(keys[user as 'alice'])}, user: ${user} }`),
        `  - { sha256: ${sha256Hex(keys.dave)}, user: dave, rate_limit_rpm: 12 }`,
        `  - { sha256: ${sha256Hex(keys.ops)}, user: ops, admin: true }`,
        '',
      ].join('\n'),
    );
    const env = {
      REDIS_CLUSTER_NODES: redis.nodesVariable,
      QUEUE_PREFIX: redis.prefix,
      API_KEYS_FILE: keysFile,
      DAILY_BUDGET_USD: String(BUDGET_USD),
      COST_TIMEZONE: TIME_ZONE,
      // the Redis of a test answers in well under a millisecond, but five processes share two cores
      BUDGET_READ_TIMEOUT_MS: '2000',
      RATE_LIMIT_TIMEOUT_MS: '2000',
      BUDGET_FAIL_MODE: 'closed',
      RATE_LIMIT_FAIL_MODE: 'closed',
      QUALITY_METRICS_REFRESH_MS: '200',
    };
    gateways = await Promise.all([1, 2, 3].map(() => startApp(processes, 'gateway', env)));
    qualities = await Promise.all([1, 2].map(() => startApp(processes, 'quality', env)));
  }, 120_000);

  afterAll(async () => {
    await processes.stopAll();
    client?.disconnect();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sumOver = async (apps: RunningApp[], name: string, labels: Record<string, string> = {}) => {
    const all: Samples[] = await Promise.all(apps.map((app) => metrics(app.url)));
    return all.reduce((sum, samples) => sum + sampleValue(samples, name, labels), 0);
  };

  it('counts every request once, over the gateways and in the ledger, whichever replica served or consumed it', async () => {
    const before = await sumOver(gateways, 'llm_requests_total', { model: 'sim-fast', status: 'success' });
    const answers = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const response = await post(`${gateways[i % 3]!.url}/v1/generate`, { model: 'sim-fast', prompt: `question ${i}`, max_tokens: 8 }, asKey(i % 2 === 0 ? keys.alice : keys.bob));
        expect(response.status).toBe(200);
        return (await response.json()) as { cost_usd: number };
      }),
    );
    expect((await sumOver(gateways, 'llm_requests_total', { model: 'sim-fast', status: 'success' })) - before).toBe(60);
    const day = costDayOf(Date.now(), TIME_ZONE);
    const sent = answers.reduce((sum, answer) => sum + answer.cost_usd, 0);
    const ledger = async () => {
      const [alice, bob] = await Promise.all(['alice', 'bob'].map(async (user) => Number((await client.zscore(userSpendByDayKey(redis.prefix, day), user)) ?? 0)));
      return alice! + bob!;
    };
    await eventually('the ledger holds every answer\'s cost', async () => Math.abs((await ledger()) - sent) < 1e-9, processes, 30_000, 200);
    // each quality replica consumed a share, none twice
    const consumed = await Promise.all(
      qualities.map(async (quality) => sampleValue(await metrics(quality.url), 'llm_queue_events_consumed_total', { queue: 'generation-events', outcome: 'processed' })),
    );
    expect(consumed.reduce((a, b) => a + b, 0)).toBe(60);
    // and the quality rates, read from the shared window, agree on both
    await eventually(
      'both quality replicas show the same window',
      async () => {
        const [first, second] = await Promise.all(qualities.map(async (quality) => metrics(quality.url)));
        const window = (samples: Samples) => ['llm_quality_window_generations', 'llm_refusal_rate', 'llm_hallucination_rate'].map((name) => sampleValue(samples, name));
        expect(window(first!)[0]).toBe(60);
        expect(window(second!)).toEqual(window(first!));
        return true;
      },
      processes,
      15_000,
      200,
    );
  }, 120_000);

  it('holds one user\'s concurrent burst over the three gateways within the daily budget', async () => {
    // sim-large at max_tokens 100: each request may cost ~$0.0013, so the $0.01 budget holds ~7 at once
    const answers = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const response = await post(`${gateways[i % 3]!.url}/v1/generate`, { model: 'sim-large', prompt: `burst ${i}`, max_tokens: 100 }, asKey(keys.carol));
        const body = (await response.json()) as { cost_usd?: number; error?: { code: string } };
        return { status: response.status, cost: body.cost_usd ?? 0, code: body.error?.code };
      }),
    );
    const served = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(served.length + refused.length).toBe(30);
    expect(refused.every((a) => a.code === 'BUDGET_EXCEEDED')).toBe(true);
    expect(served.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    const spent = served.reduce((sum, a) => sum + a.cost, 0);
    expect(spent).toBeLessThanOrEqual(BUDGET_USD);
    const day = costDayOf(Date.now(), TIME_ZONE);
    // what the gateways settled, in nano-dollars, is what the answers said, and nothing is still reserved
    await eventually(
      'the budget day is settled',
      async () => {
        const state = await client.hgetall(budgetKey(redis.prefix, day, 'carol'));
        expect(Number(state.reserved)).toBe(0);
        expect(Math.abs(Number(state.spent) / 1e9 - spent)).toBeLessThan(1e-9 * served.length);
        return true;
      },
      processes,
      10_000,
      100,
    );
    await eventually('the ledger agrees', async () => Math.abs(Number(await client.zscore(userSpendByDayKey(redis.prefix, day), 'carol')) - spent) < 1e-9, processes, 30_000, 200);
    expect((await sumOver(gateways, 'llm_limited_requests_total', { reason: 'daily_budget' }))).toBe(refused.length);
  }, 120_000);

  it('holds a key\'s requests-per-minute limit to the request over the three gateways', async () => {
    const startedAt = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 36 }, async (_, i) => {
        const response = await post(`${gateways[i % 3]!.url}/v1/generate`, { model: 'sim-fast', prompt: `rpm ${i}`, max_tokens: 1 }, asKey(keys.dave));
        await response.arrayBuffer();
        return response;
      }),
    );
    const elapsedMs = Date.now() - startedAt;
    const served = answers.filter((r) => r.status === 200);
    const refused = answers.filter((r) => r.status === 429);
    // a full bucket of 12, refilled at one request every 5 s while the burst lasted
    expect(served.length).toBeGreaterThanOrEqual(12);
    expect(served.length).toBeLessThanOrEqual(12 + Math.floor(elapsedMs / 5000));
    expect(served.length + refused.length).toBe(36);
    for (const response of served) expect(response.headers.get('x-ratelimit-limit-requests')).toBe('12');
    for (const response of refused) {
      expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(await sumOver(gateways, 'llm_limited_requests_total', { reason: 'requests_per_minute' })).toBe(refused.length);
  }, 60_000);

  it('applies simulator faults set on one gateway on all of them within a second', async () => {
    const put = await fetch(`${gateways[0]!.url}/admin/simulator/faults/sim-fast`, { method: 'PUT', headers: { 'content-type': 'application/json', ...asKey(keys.ops) }, body: JSON.stringify({ refusal_rate: 1 }) });
    expect(await put.json()).toMatchObject({ shared: true, faults: { refusal_rate: 1 } });
    // each replica reads the shared settings every SIMULATOR_FAULTS_SYNC_MS (500 ms by default)
    for (const gateway of gateways.slice(1)) {
      await eventually(
        'the other gateways apply the fault',
        async () => ((await (await fetch(`${gateway.url}/admin/simulator/faults`, { headers: asKey(keys.ops) })).json()) as { models: Record<string, { refusal_rate: number }> }).models['sim-fast']!.refusal_rate === 1,
        processes,
        5_000,
        50,
      );
    }
    const reset = await fetch(`${gateways[2]!.url}/admin/simulator/faults/sim-fast`, { method: 'PUT', headers: { 'content-type': 'application/json', ...asKey(keys.ops) }, body: JSON.stringify({ refusal_rate: 0 }) });
    expect(reset.status).toBe(200);
  }, 30_000);
});
