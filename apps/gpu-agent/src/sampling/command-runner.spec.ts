import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { CommandRunner, type SpawnFn } from './command-runner.js';

/**
 * A child process that does what the test says: `finish` ends it; `kill` is recorded, and the
 * child only exits on it when `diesOnKill` is set (a process stuck in the driver does not).
 */
class ScriptedChild extends EventEmitter {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly kills: string[] = [];

  constructor(
    readonly pid: number,
    private readonly diesOnKill: boolean,
  ) {
    super();
  }

  kill(signal: NodeJS.Signals): boolean {
    this.kills.push(signal);
    if (this.diesOnKill) this.die(signal);
    return true;
  }

  finish(stdout: string, code: number): void {
    this.stdout.end(stdout);
    this.stderr.end();
    this.exitCode = code;
    this.emit('exit', code, null);
    setImmediate(() => this.emit('close', code, null));
  }

  die(signal: NodeJS.Signals): void {
    this.signalCode = signal;
    this.stdout.end();
    this.stderr.end();
    this.emit('exit', null, signal);
    setImmediate(() => this.emit('close', null, signal));
  }
}

function scriptedSpawn(children: ScriptedChild[]): { spawnFn: SpawnFn; started: string[][] } {
  const started: string[][] = [];
  const spawnFn: SpawnFn = (command, args) => {
    started.push([command, ...args]);
    const child = children.shift();
    if (!child) throw new Error('no scripted child left for this spawn');
    return child as unknown as ChildProcess;
  };
  return { spawnFn, started };
}

describe(CommandRunner.name, () => {
  it('returns the output and exit status of a run that finishes', async () => {
    const child = new ScriptedChild(10, true);
    const { spawnFn } = scriptedSpawn([child]);
    const running = new CommandRunner(spawnFn).run('nvidia-smi', ['-L'], 1000);
    child.finish('GPU 0: NVIDIA H100 80GB HBM3\n', 0);
    expect(await running).toEqual({
      exitCode: 0,
      stdout: 'GPU 0: NVIDIA H100 80GB HBM3\n',
      stderr: '',
      isTimedOut: false,
      spawnErrorCode: null,
      isBlockedByStuckChild: false,
      pid: 10,
    });
  });

  it('kills a run at its deadline and answers without waiting for the child to go', async () => {
    const stuck = new ScriptedChild(11, false);
    const { spawnFn } = scriptedSpawn([stuck]);
    const runner = new CommandRunner(spawnFn);
    const result = await runner.run('nvidia-smi', [], 20);
    expect(result).toMatchObject({ isTimedOut: true, exitCode: null, pid: 11 });
    expect(stuck.kills).toEqual(['SIGKILL']);
    expect(runner.stuckPids).toEqual([11]);
  });

  it('starts no new nvidia-smi while a killed one is still stuck, then resumes once it is gone', async () => {
    const stuck = new ScriptedChild(12, false);
    const next = new ScriptedChild(13, true);
    const { spawnFn, started } = scriptedSpawn([stuck, next]);
    const runner = new CommandRunner(spawnFn);
    await runner.run('nvidia-smi', ['first'], 20);

    const blocked = await runner.run('nvidia-smi', ['second'], 20);
    expect(blocked).toMatchObject({ isBlockedByStuckChild: true, pid: null });
    expect(started).toEqual([['nvidia-smi', 'first']]);

    stuck.die('SIGKILL'); // the driver let go
    expect(runner.stuckPids).toEqual([]);
    const running = runner.run('nvidia-smi', ['third'], 1000);
    next.finish('ok\n', 0);
    expect(await running).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
    expect(started).toEqual([
      ['nvidia-smi', 'first'],
      ['nvidia-smi', 'third'],
    ]);
  });

  it('reports a command that cannot start by its error code', async () => {
    const child = new ScriptedChild(0, true);
    const { spawnFn } = scriptedSpawn([child]);
    const running = new CommandRunner(spawnFn).run('/nope/nvidia-smi', [], 1000);
    child.emit('error', Object.assign(new Error('spawn /nope/nvidia-smi ENOENT'), { code: 'ENOENT' }));
    expect(await running).toMatchObject({ spawnErrorCode: 'ENOENT', exitCode: null, isTimedOut: false });
  });
});
