import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  feedbackKey,
  GPU_SAMPLES,
  gpuSamplesStreamKey,
  qualityWindowCountsKey,
  qualityWindowEntriesKey,
  redisKeyspace,
  requestRecordKey,
  totalSpendKey,
} from '@tokenscope/queue-contracts';
import type { Cluster, Redis } from 'ioredis';
import { post, startApp, type RunningApp } from './apps.js';
import { eventually, fakeNvidiaSmiIn, ProcessGroup } from './processes.js';

/** What a topology test needs from its Redis: the apps' variables, a client, and a way to kill the master of the keyspace. */
export interface ScenarioRedis {
  prefix: string;
  env: Record<string, string>;
  client(): Redis | Cluster;
  killKeyspaceMaster(): Promise<{ killedPort: number; promotedPort: number }>;
  stop(): Promise<void>;
}

interface Answered {
  id: string;
  costUsd: number;
}

const GPU_GROUP = 'quality-gpu-cost';

/** Dollars to the 12 decimals the cost library rounds to. */
function usd(value: number): number {
  return Math.round(value * 1e12) / 1e12;
}

/**
 * The gateway, the quality service and the GPU agent (built, as processes) on one Redis topology:
 * traffic, votes and GPU samples before and during a failover of the master that holds the
 * deployment's slot, then exact counts: every request answered 200 is once in the window, has its
 * request record, and the ledger's total is the sum of their costs; every GPU sample left in the
 * stream is booked once.
 */
export function describeTopology(name: string, startTopology: () => Promise<ScenarioRedis>): void {
  describe(`the three apps on ${name}`, () => {
    const processes = new ProcessGroup();
    let redis: ScenarioRedis;
    let client: Redis | Cluster;
    let dir: string;
    let gateway: RunningApp;
    let quality: RunningApp;
    let agent: RunningApp;

    beforeAll(async () => {
      redis = await startTopology();
      client = redis.client();
      dir = mkdtempSync(join(tmpdir(), 'tokenscope-topology-'));
      const { fakeNvidiaSmi } = fakeNvidiaSmiIn(dir);
      const env = { ...redis.env, QUEUE_PREFIX: redis.prefix };
      [gateway, quality, agent] = await Promise.all([
        startApp(processes, 'gateway', { ...env, SIMULATOR_SPEED: '0', EVENTS_WAIT_REPLICAS: '1', EVENTS_WAIT_TIMEOUT_MS: '500' }),
        startApp(processes, 'quality', { ...env, QUALITY_METRICS_REFRESH_MS: '200' }),
        startApp(processes, 'gpu-agent', { ...env, GPU_AGENT_NVIDIA_SMI: fakeNvidiaSmi, GPU_AGENT_INTERVAL_MS: '250', GPU_AGENT_MODEL: 'sim-local-8b', GPU_AGENT_HOSTNAME: 'gpu-topology-1' }),
      ]);
      for (const app of [gateway, quality, agent]) {
        await eventually(`${app.url} ready`, async () => (await fetch(`${app.url}/readyz`)).status === 200, processes, 30_000, 100);
      }
    }, 60_000);

    afterAll(async () => {
      await processes.stopAll();
      client?.disconnect();
      await redis?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    async function generate(i: number): Promise<Answered | undefined> {
      const response = await post(`${gateway.url}/v1/generate`, { prompt: `topology request ${i}`, max_tokens: 6 }).catch(() => undefined);
      if (response?.status !== 200) return undefined;
      const body = (await response.json()) as { cost_usd: number };
      return { id: response.headers.get('x-request-id')!, costUsd: body.cost_usd };
    }

    const vote = (id: string) => post(`${quality.url}/v1/feedback`, { request_id: id, thumbs_up: true });

    it('serves, counts and books before and after the master of its slot fails, nothing lost or counted twice', async () => {
      const answered: Answered[] = [];
      for (let i = 0; i < 20; i++) answered.push((await generate(i))!);
      expect(answered.every(Boolean)).toBe(true);
      const votedBefore = answered.slice(0, 5).map((a) => a.id);
      for (const id of votedBefore) await eventually(`vote on ${id}`, async () => (await vote(id)).status === 200, processes, 10_000, 100);

      // traffic keeps flowing while the master dies and a replica takes over
      let isTrafficOn = true;
      let refused = 0;
      const traffic = (async () => {
        for (let i = 100; isTrafficOn; i++) {
          const result = await generate(i);
          if (result) answered.push(result);
          else refused++;
          // a steady trickle (~50/s), not a flood: the window's exact counts below hold only while
          // fewer than QUALITY_WINDOW_SIZE (1,000) generations were answered (an unthrottled run
          // answers ~1,500 here; all of them were booked in the ledger within 2 s of the end)
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await new Promise((r) => setTimeout(r, 300));
      const failover = await redis.killKeyspaceMaster();
      expect(failover.promotedPort).not.toBe(failover.killedPort);
      await new Promise((r) => setTimeout(r, 300));
      isTrafficOn = false;
      await traffic;
      expect(refused).toBe(0);

      // every app is ready again, and requests and votes succeed
      for (const app of [gateway, quality, agent]) {
        await eventually(`${app.url} ready after failover`, async () => (await fetch(`${app.url}/readyz`)).status === 200, processes, 30_000, 100);
      }
      for (let i = 0; i < 10; i++) answered.push((await generate(1000 + i))!);
      expect(answered.every(Boolean)).toBe(true);
      const votedAfter = [answered[10]!.id, answered.at(-1)!.id];
      for (const id of votedAfter) await eventually(`vote on ${id} after failover`, async () => (await vote(id)).status === 200, processes, 20_000, 100);

      // exact counts: each answered request once in the window, a record each, the ledger the sum of their costs
      const ids = new Set(answered.map((a) => a.id));
      expect(ids.size).toBe(answered.length);
      const p = redis.prefix;
      await eventually(
        `all ${answered.length} generations counted`,
        async () => {
          const counted = Number(await client.hget(qualityWindowCountsKey(p), 'generations'));
          if (counted !== answered.length) throw new Error(`${counted} counted`);
        },
        processes,
        45_000,
        200,
      );
      const entries = await client.hkeys(qualityWindowEntriesKey(p));
      expect(entries.length).toBe(answered.length);
      expect(Number(await client.get(totalSpendKey(p))).toFixed(9)).toBe(usd(answered.reduce((sum, a) => sum + a.costUsd, 0)).toFixed(9));
      for (const { id } of answered) expect([id, await client.hget(requestRecordKey(p, id), 'status')]).toEqual([id, 'success']);
      for (const id of [...votedBefore, ...votedAfter]) expect([id, await client.hget(feedbackKey(p, id), 'thumbsUp')]).toEqual([id, '1']);
      expect(Number(await client.hget(qualityWindowCountsKey(p), 'votes'))).toBe(votedBefore.length + votedAfter.length);

      // GPU samples: the agent goes on publishing after the failover; once it stops, each entry
      // left in the stream has been booked exactly once
      const entriesAfterFailover = await client.xlen(gpuSamplesStreamKey(p));
      await eventually('GPU samples published after the failover', async () => (await client.xlen(gpuSamplesStreamKey(p))) >= entriesAfterFailover + 3, processes, 10_000, 100);
      await processes.stop('gpu-agent');
      await eventually('every GPU sample acknowledged', async () => Number(((await client.xpending(gpuSamplesStreamKey(p), GPU_GROUP)) as [number])[0]) === 0, processes, 20_000, 100);
      const streamEntries = await client.xlen(gpuSamplesStreamKey(p));
      const bookedKeys = await countKeys(client, `${redisKeyspace(p)}:cost:gpu-sample:*`);
      expect([GPU_SAMPLES, bookedKeys]).toEqual([GPU_SAMPLES, streamEntries]);
      expect(processes.exited()).toEqual(['gpu-agent']);
    }, 120_000);
  });
}

async function countKeys(client: Redis | Cluster, pattern: string): Promise<number> {
  const nodes = 'nodes' in client && typeof client.nodes === 'function' ? (client as Cluster).nodes('master') : [client as Redis];
  let count = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      count += keys.length;
      cursor = next;
    } while (cursor !== '0');
  }
  return count;
}
