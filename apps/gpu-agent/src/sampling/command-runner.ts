import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** How one run of a command ended. */
export interface CommandRun {
  /** Exit status; null when it was killed, never started or did not end in time. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** It did not finish within the timeout and was sent SIGKILL. */
  isTimedOut: boolean;
  /** It could not be started (ENOENT: not found, EACCES: not executable). */
  spawnErrorCode: string | null;
  /** A child killed earlier has still not exited, so this run was not started (see CommandRunner). */
  isBlockedByStuckChild: boolean;
  /** pid of the child, when one started. */
  pid: number | null;
}

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

const OUTPUT_LIMIT_BYTES = 1 << 20;
/** How long a run waits for children killed earlier to exit before calling them stuck. */
const STUCK_GRACE_MS = 1000;

/**
 * Runs a command with a deadline and kills it (SIGKILL) when the deadline passes. A process
 * blocked inside the kernel driver can survive SIGKILL until the driver lets go; such children
 * are remembered, and no new run starts while one is still alive, so a wedged driver costs one
 * stuck nvidia-smi rather than one per sample.
 */
export class CommandRunner {
  /** Children killed on timeout, with a promise of their exit. */
  private readonly killedChildren = new Map<ChildProcess, Promise<void>>();
  private readonly runningChildren = new Set<ChildProcess>();

  constructor(private readonly spawnFn: SpawnFn = spawn) {}

  /** pids of children killed on timeout that have not exited yet. */
  get stuckPids(): number[] {
    return [...this.killedChildren.keys()].map((child) => child.pid ?? -1);
  }

  async run(command: string, args: readonly string[], timeoutMs: number): Promise<CommandRun> {
    if (this.killedChildren.size > 0) await this.waitForKilled(Math.min(timeoutMs, STUCK_GRACE_MS));
    if (this.killedChildren.size > 0) {
      return { exitCode: null, stdout: '', stderr: '', isTimedOut: false, spawnErrorCode: null, isBlockedByStuckChild: true, pid: null };
    }
    return new Promise<CommandRun>((resolve) => {
      let stdout = '';
      let stderr = '';
      let isSettled = false;
      const child = this.spawnFn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
      this.runningChildren.add(child);
      const settle = (partial: Partial<CommandRun>) => {
        if (isSettled) return;
        isSettled = true;
        clearTimeout(timer);
        resolve({ exitCode: null, stdout, stderr, isTimedOut: false, spawnErrorCode: null, isBlockedByStuckChild: false, pid: child.pid ?? null, ...partial });
      };
      const kill = () => {
        if (child.exitCode === null && child.signalCode === null && !this.killedChildren.has(child)) {
          this.killedChildren.set(child, new Promise<void>((resolve) => child.once('exit', () => resolve())));
          child.kill('SIGKILL');
        }
      };
      const timer = setTimeout(() => {
        kill();
        // resolve now: a child stuck in the driver may never close its pipes
        settle({ isTimedOut: true });
      }, timeoutMs);
      child.stdout?.setEncoding('utf8');
      child.stderr?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.length > OUTPUT_LIMIT_BYTES) kill();
      });
      child.stderr?.on('data', (chunk: string) => {
        if (stderr.length < OUTPUT_LIMIT_BYTES) stderr += chunk;
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        this.runningChildren.delete(child);
        settle({ spawnErrorCode: error.code ?? 'ESPAWN' });
      });
      child.once('exit', () => {
        this.runningChildren.delete(child);
        this.killedChildren.delete(child);
      });
      child.once('close', (code: number | null) => settle({ exitCode: code }));
    });
  }

  /** Kills every child still running (shutdown). */
  killAll(): void {
    for (const child of this.runningChildren) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  private async waitForKilled(limitMs: number): Promise<void> {
    const exits = [...this.killedChildren.values()];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(exits), new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
    clearTimeout(timer);
  }
}
