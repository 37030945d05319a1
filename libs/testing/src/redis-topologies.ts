import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from './ports.js';

const run = promisify(execFile);

/** One redis-server (or sentinel) the test owns. */
interface OwnedServer {
  port: number;
  child: ChildProcess;
}

let runCounter = 0;

function uniquePrefix(kind: string): string {
  return `${kind}${process.pid}x${++runCounter}x${Date.now().toString(36)}`;
}

/** Runs redis-cli against one port and returns its output (RESP as text, one value a line). */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 });
  return stdout.trim();
}

function startServer(port: number, args: string[], dir: string): OwnedServer {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args], { stdio: 'ignore' });
  child.on('error', () => undefined);
  return { port, child };
}

async function killServer(server: OwnedServer): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function waitPong(port: number): Promise<void> {
  await waitFor(async () => {
    if ((await redisCli(port, 'PING')) !== 'PONG') throw new Error(`port ${port} does not answer PING`);
  }, { timeoutMs: 10_000, intervalMs: 50 });
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

export interface TestRedisCluster {
  /** `host:port,…` of every node, as REDIS_CLUSTER_NODES takes it. */
  nodesVariable: string;
  nodes: Array<{ host: string; port: number }>;
  /** A key prefix unique to this run. */
  prefix: string;
  /** Port of the master that serves `key`'s slot now. */
  masterPortOf(key: string): Promise<number>;
  /**
   * Kills (SIGKILL) the master that serves `key`'s slot and waits until its replica has been
   * promoted and every surviving node reports `cluster_state:ok`; returns the dead and the new port.
   */
  killMasterOf(key: string): Promise<{ killedPort: number; promotedPort: number }>;
  stop(): Promise<void>;
}

/**
 * A private Redis Cluster for one test file: three masters with one replica each (six
 * redis-servers on free ports, their cluster bus on free ports too), in a temporary folder,
 * created with `redis-cli --cluster create`, and ready once every node sees `cluster_state:ok`
 * and every replica is in sync. A failed node is detected after 1 s (`cluster-node-timeout`).
 */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-cluster-'));
  const servers: OwnedServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map(killServer));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 6; i++) {
      const port = await freePort();
      const busPort = await freePort();
      servers.push(
        startServer(port, ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-port', String(busPort), '--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0'], dir),
      );
    }
    await Promise.all(servers.map((s) => waitPong(s.port)));
    await run('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    await waitFor(
      async () => {
        for (const server of servers) {
          const info = await redisCli(server.port, 'CLUSTER', 'INFO');
          if (infoField(info, 'cluster_state') !== 'ok' || infoField(info, 'cluster_known_nodes') !== '6') throw new Error(`node ${server.port} not ready`);
          const replication = await redisCli(server.port, 'INFO', 'replication');
          if (infoField(replication, 'role') === 'slave' && infoField(replication, 'master_link_status') !== 'up') throw new Error(`replica ${server.port} not in sync`);
        }
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const alive = () => servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
  const masterPortOf = async (key: string): Promise<number> => {
    const slot = Number(await redisCli(alive()[0]!.port, 'CLUSTER', 'KEYSLOT', key));
    // CLUSTER NODES: "<id> <ip:port@bus> <flags> <master-id> … <slot ranges>"
    const lines = (await redisCli(alive()[0]!.port, 'CLUSTER', 'NODES')).split('\n');
    for (const line of lines) {
      const fields = line.split(' ');
      if (!fields[2]?.split(',').includes('master') || fields[2].includes('fail')) continue;
      for (const range of fields.slice(8)) {
        const [from, to = from] = range.split('-').map(Number);
        if (slot >= from! && slot <= to!) return Number(fields[1]!.split('@')[0]!.split(':')[1]);
      }
    }
    throw new Error(`no live master serves slot ${slot}`);
  };

  return {
    nodesVariable: servers.map((s) => `127.0.0.1:${s.port}`).join(','),
    nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    prefix: uniquePrefix('cluster'),
    masterPortOf,
    async killMasterOf(key) {
      const killedPort = await masterPortOf(key);
      await killServer(servers.find((s) => s.port === killedPort)!);
      const promotedPort = await waitFor(
        async () => {
          for (const server of alive()) {
            if (infoField(await redisCli(server.port, 'CLUSTER', 'INFO'), 'cluster_state') !== 'ok') throw new Error(`node ${server.port}: cluster not ok`);
          }
          const port = await masterPortOf(key);
          if (port === killedPort) throw new Error('not failed over yet');
          return port;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      return { killedPort, promotedPort };
    },
    stop,
  };
}

export interface TestRedisSentinel {
  /** `host:port,…` of the three sentinels, as REDIS_SENTINELS takes it. */
  sentinelsVariable: string;
  /** The master's name the sentinels watch (REDIS_SENTINEL_NAME). */
  masterName: string;
  prefix: string;
  /** Port of the master the sentinels name now. */
  masterPort(): Promise<number>;
  /** Kills (SIGKILL) the master and waits until every sentinel names the promoted replica, which reports role master. */
  killMaster(): Promise<{ killedPort: number; promotedPort: number }>;
  stop(): Promise<void>;
}

/**
 * A private Sentinel setup for one test file: a master, one replica, and three sentinels
 * (quorum 2, a master is down after 1 s), each on a free port, in a temporary folder; ready once
 * the replica is in sync and every sentinel knows the replica and the two other sentinels.
 */
export async function startRedisSentinel(): Promise<TestRedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-sentinel-'));
  const masterName = 'tokenscope-test';
  const servers: OwnedServer[] = [];
  const sentinels: OwnedServer[] = [];
  const stop = async () => {
    await Promise.all([...servers, ...sentinels].map(killServer));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const masterPort = await freePort();
    const replicaPort = await freePort();
    servers.push(startServer(masterPort, [], dir));
    await waitPong(masterPort);
    servers.push(startServer(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)], dir));
    await waitPong(replicaPort);
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      // a sentinel rewrites its config file: one writable file each
      const file = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 10000`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      const child = spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' });
      child.on('error', () => undefined);
      sentinels.push({ port, child });
    }
    await Promise.all(sentinels.map((s) => waitPong(s.port)));
    await waitFor(
      async () => {
        if (infoField(await redisCli(replicaPort, 'INFO', 'replication'), 'master_link_status') !== 'up') throw new Error('replica not in sync');
        for (const sentinel of sentinels) {
          const master = (await redisCli(sentinel.port, 'SENTINEL', 'MASTER', masterName)).split('\n');
          const field = (name: string) => master[master.indexOf(name) + 1];
          if (field('num-slaves') !== '1' || field('num-other-sentinels') !== '2') throw new Error(`sentinel ${sentinel.port} does not know everyone yet`);
        }
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const aliveSentinel = () => sentinels[0]!.port;
  const masterPortNow = async () => Number((await redisCli(aliveSentinel(), 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)).split('\n')[1]);
  return {
    sentinelsVariable: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    masterName,
    prefix: uniquePrefix('sentinel'),
    masterPort: masterPortNow,
    async killMaster() {
      const killedPort = await masterPortNow();
      await killServer(servers.find((s) => s.port === killedPort)!);
      const promotedPort = await waitFor(
        async () => {
          const ports = await Promise.all(sentinels.map(async (s) => Number((await redisCli(s.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)).split('\n')[1])));
          if (ports.some((port) => port === killedPort || port !== ports[0])) throw new Error('not failed over yet');
          if (infoField(await redisCli(ports[0]!, 'INFO', 'replication'), 'role') !== 'master') throw new Error('promoted replica not master yet');
          return ports[0]!;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      return { killedPort, promotedPort };
    },
    stop,
  };
}
