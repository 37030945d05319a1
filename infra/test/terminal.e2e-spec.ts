import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { BUILT_APP_ARGS } from './support/processes.js';
import { REPO_DIR } from './support/tools.js';

/**
 * What a person sees in the terminal: readable lines per request when asked (`npm start` asks at
 * a terminal), JSON otherwise, and one line, not a stack trace, for the start-up problems a new
 * user meets (a busy port, no Redis, a broken models file).
 */
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const APP_ARGS = BUILT_APP_ARGS;

/** Runs a command to its end (at most `timeoutMs`), with only the given environment plus PATH and HOME. */
function run(args: string[], options: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim().length > 0);
}

/** A TCP listener that is not what the app expects on its port (not an HTTP server, not Redis). */
async function squat(): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));
  return { port, server };
}

describe('terminal', () => {
  let dir: string;
  let redis: TestRedis;
  const squatters: Server[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenscope-terminal-'));
    redis = await startRedis();
  });

  afterAll(async () => {
    for (const server of squatters) server.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function busyPort(): Promise<number> {
    const { port, server } = await squat();
    squatters.push(server);
    return port;
  }

  it('an app on a busy port says so in one line that names its variable, with no stack trace', async () => {
    const port = await busyPort();
    const result = await run(APP_ARGS, { cwd: join(REPO_DIR, 'apps', 'gateway'), env: { GATEWAY_PORT: String(port), REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, OTEL_SDK_DISABLED: 'true' } });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([`gateway: port ${port} is already in use (0.0.0.0:${port}): stop what holds it, or set GATEWAY_PORT to a free port`]);
    expect(lines(result.stdout)).toEqual([]);
  });

  it('an app with a broken models file says which file and what is wrong in one line', async () => {
    const modelsFile = join(dir, 'models.yaml');
    writeFileSync(modelsFile, 'models:\n  - name: broken\n    price: 3\n');
    const result = await run(APP_ARGS, { cwd: join(REPO_DIR, 'apps', 'quality'), env: { MODELS_FILE: modelsFile, QUALITY_PORT: String(await freePort()), REDIS_URL: redis.url, OTEL_SDK_DISABLED: 'true' } });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^quality: MODELS_FILE ${modelsFile}: models\\.0\\.price: `));
    expect(lines(result.stdout)).toEqual([]);
  });

  it('npm start stops before building, in one line, when a port is taken or Redis can neither be reached nor started', async () => {
    const ports = { GATEWAY_PORT: String(await freePort()), QUALITY_PORT: String(await freePort()), GPU_AGENT_PORT: String(await freePort()) };
    const taken = await busyPort();
    const busyQuality = await run(['scripts/start.mjs'], { cwd: REPO_DIR, env: { ...ports, QUALITY_PORT: String(taken), REDIS_URL: redis.url } });
    expect(busyQuality.code).toBe(1);
    expect(lines(busyQuality.stderr)).toEqual([`[tokenscope] port ${taken} (quality) is already in use: stop what holds it (an earlier npm start?), or set QUALITY_PORT to a free port`]);

    // something that is not Redis holds the Redis port: the private redis-server cannot start there either
    const notRedis = await busyPort();
    const noRedis = await run(['scripts/start.mjs'], { cwd: REPO_DIR, env: { ...ports, REDIS_URL: `redis://127.0.0.1:${notRedis}` } });
    expect(noRedis.code).toBe(1);
    expect(lines(noRedis.stderr)).toEqual([
      `[tokenscope] Redis does not answer at redis://127.0.0.1:${notRedis} and a private redis-server could not start on port ${notRedis} (is something else listening there?): set REDIS_URL to a Redis that answers`,
    ]);
  });

  it('writes one readable line per finished request with LOG_FORMAT=pretty, and keeps Nest boot chatter at debug', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, APP_ARGS, {
      cwd: join(REPO_DIR, 'apps', 'gateway'),
      env: { PATH: process.env.PATH ?? '', GATEWAY_PORT: String(port), GATEWAY_HOST: '127.0.0.1', REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, LOG_FORMAT: 'pretty', LOG_LEVEL: 'info', SIMULATOR_SPEED: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      await waitFor(async () => expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200), { timeoutMs: 30_000, intervalMs: 200 });
      const response = await fetch(`http://127.0.0.1:${port}/v1/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'terminal-req-1' },
        body: JSON.stringify({ prompt: 'hello', max_tokens: 5, model: 'sim-fast' }),
      });
      const body = (await response.json()) as { cost_usd: number; timings: { ttft_ms: number }; usage: { prompt_tokens: number; completion_tokens: number } };
      await waitFor(() => expect(stdout).toContain('terminal-req-1'), { timeoutMs: 5_000 });
      const line = lines(stdout).find((l) => l.includes('terminal-req-1'))!;
      expect(line).toMatch(
        new RegExp(
          `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} gateway +INFO +generation completed [0-9a-f-]{36} success 200 sim-fast ttft ${Math.round(body.timings.ttft_ms)} ms latency \\d+ ms tokens ${body.usage.prompt_tokens}→${body.usage.completion_tokens} \\$${body.cost_usd.toFixed(6).replace('.', '\\.')}`,
        ),
      );
      // the gateway's own id leads the line; the caller's x-request-id follows as a correlation id
      expect(line).toContain('client_request_id=terminal-req-1');
      expect(stdout).not.toMatch(/^\{/m);
      // Nest's module and route lines are debug now: none at info
      expect(stdout).not.toMatch(/InstanceLoader|RouterExplorer|RoutesResolver/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
    }
  }, 60_000);

  it('writes JSON by default, with the boot chatter there at debug', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, APP_ARGS, {
      cwd: join(REPO_DIR, 'apps', 'gpu-agent'),
      env: { PATH: process.env.PATH ?? '', GPU_AGENT_PORT: String(port), GPU_AGENT_HOST: '127.0.0.1', REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, LOG_LEVEL: 'debug', GPU_AGENT_NVIDIA_SMI: '/nonexistent/nvidia-smi' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      await waitFor(async () => expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200), { timeoutMs: 30_000, intervalMs: 200 });
      const records = lines(stdout).map((line) => JSON.parse(line) as { level: string; logger?: string });
      const boot = records.filter((r) => r.logger === 'InstanceLoader' || r.logger === 'RouterExplorer');
      expect(boot.length).toBeGreaterThan(0);
      expect(new Set(boot.map((r) => r.level))).toEqual(new Set(['debug']));
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
    }
  }, 60_000);
});
