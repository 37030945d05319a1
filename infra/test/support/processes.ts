import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@tokenscope/testing';
import { INFRA_DIR, REPO_DIR } from './tools.js';

/** How the tests run a built app: tracing loaded first, as production does (infra/lib/app-runtime.mjs). */
export const BUILT_APP_ARGS = ['--enable-source-maps', '--import', './dist/otel.js', 'dist/main.js'];

/**
 * Only what the apps need, so the developer's own settings (MODELS_FILE, OTEL_*…) stay out: PATH
 * (with `binDir` first, where the fake nvidia-smi is), HOME, the test's Redis and key prefix.
 */
export function builtAppEnv(options: { binDir: string; home: string; redis: { url: string; prefix: string }; logLevel: string }): NodeJS.ProcessEnv {
  return {
    PATH: `${options.binDir}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? options.home,
    REDIS_URL: options.redis.url,
    QUEUE_PREFIX: options.redis.prefix,
    LOG_LEVEL: options.logLevel,
  };
}

/** The fixtures' fake nvidia-smi (two busy H100s), and a folder to put first on PATH where it is `nvidia-smi`. */
export function fakeNvidiaSmiIn(dir: string): { binDir: string; fakeNvidiaSmi: string } {
  const binDir = join(dir, 'bin');
  mkdirSync(binDir, { recursive: true });
  const fakeNvidiaSmi = join(INFRA_DIR, 'test', 'fixtures', 'fake-nvidia-smi');
  symlinkSync(fakeNvidiaSmi, join(binDir, 'nvidia-smi'));
  return { binDir, fakeNvidiaSmi };
}

interface Managed {
  name: string;
  child: ChildProcess;
  lines: string[];
}

const KEPT_LINES = 60;

/**
 * The child processes of one test file: their output is kept (the last lines of each) for
 * failure messages, and stopAll() ends every one of them, SIGTERM first, SIGKILL after a grace.
 */
export class ProcessGroup {
  private readonly managed: Managed[] = [];

  /** `logFile`: every line of the process's output is also written there (for tests that search its logs). */
  start(name: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; logFile?: string } = {}): ChildProcess {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const entry: Managed = { name, child, lines: [] };
    if (options.logFile) {
      const file = createWriteStream(options.logFile);
      // two sources into one file: neither may close it when it ends first
      child.stdout?.pipe(file, { end: false });
      child.stderr?.pipe(file, { end: false });
      child.on('close', () => file.end());
    }
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim().length === 0) continue;
        entry.lines.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
        if (entry.lines.length > KEPT_LINES) entry.lines.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (error) => entry.lines.push(`spawn failed: ${error.message}`));
    child.on('exit', (code, signal) => entry.lines.push(`exited: ${signal ?? code}`));
    this.managed.push(entry);
    return child;
  }

  /** One of the built apps (`apps/<name>/dist`), with only the given environment. */
  startApp(name: 'gateway' | 'quality' | 'gpu-agent', env: NodeJS.ProcessEnv, options: { logFile?: string } = {}): ChildProcess {
    return this.start(name, process.execPath, BUILT_APP_ARGS, { cwd: join(REPO_DIR, 'apps', name), env, ...options });
  }

  /** Stops one process by name (SIGTERM), waiting until it exits. */
  async stop(name: string): Promise<void> {
    const entry = this.managed.find((m) => m.name === name);
    if (!entry || entry.child.exitCode !== null || entry.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      entry.child.once('exit', () => resolve());
      entry.child.kill('SIGTERM');
    });
  }

  /** Names of processes that ended on their own (a crash) while they should be running. */
  exited(): string[] {
    return this.managed.filter((m) => m.child.exitCode !== null || m.child.signalCode !== null).map((m) => m.name);
  }

  /** The last output lines of every process, for a failure message. */
  report(): string {
    return this.managed.map((m) => `--- ${m.name} (pid ${m.child.pid})\n${m.lines.slice(-25).join('\n')}`).join('\n');
  }

  async stopAll(graceMs = 10_000): Promise<void> {
    await Promise.all(
      this.managed.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
            const timer = setTimeout(() => {
              child.kill('SIGKILL');
            }, graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}

/**
 * Polls until `check` passes (it throws or returns false otherwise); on timeout the error says
 * what was awaited, the last reason, which processes died, and their last output lines.
 */
export async function eventually<T>(what: string, check: () => Promise<T> | T, processes: ProcessGroup, timeoutMs = 60_000, intervalMs = 500): Promise<T> {
  try {
    return await waitFor(
      async () => {
        const result = await check();
        if (result === false) throw new Error('not yet');
        return result;
      },
      { timeoutMs, intervalMs },
    );
  } catch (error) {
    const dead = processes.exited();
    throw new Error(
      `${what}: not after ${timeoutMs / 1000}s\nlast reason: ${(error as Error).message}` +
        (dead.length > 0 ? `\nexited early: ${dead.join(', ')}` : '') +
        `\n${processes.report()}`,
    );
  }
}
