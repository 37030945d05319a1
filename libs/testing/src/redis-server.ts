import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort, waitFor } from './ports.js';

export interface TestRedis {
  url: string;
  /** A key prefix unique to this run, for BullMQ queues and keys. */
  prefix: string;
  /** Kills the server (SIGKILL): what a crash or a network cut looks like to clients. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

let runCounter = 0;

async function ping(port: number, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, host);
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      if (data.toString().startsWith('+PONG')) resolve();
      else reject(new Error(`unexpected reply ${data.toString()}`));
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('timeout'));
    });
    socket.once('error', reject);
  });
}

/**
 * A private redis-server on a free port for one test file, or, when TEST_REDIS_URL is set,
 * that server with a unique key prefix (kill/restart are then unavailable).
 */
export async function startRedis(): Promise<TestRedis> {
  const prefix = `test${process.pid}x${++runCounter}x${Date.now().toString(36)}`;
  const external = process.env.TEST_REDIS_URL;
  if (external) {
    const unsupported = async () => {
      throw new Error('kill/restart need a private redis-server (unset TEST_REDIS_URL)');
    };
    return { url: external, prefix, kill: unsupported, restart: unsupported, stop: async () => undefined };
  }

  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    child.on('error', () => undefined);
    await waitFor(() => ping(port), { timeoutMs: 10_000, intervalMs: 25 });
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, prefix, kill, restart: start, stop: kill };
}
