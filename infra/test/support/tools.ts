import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const INFRA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_DIR = join(INFRA_DIR, '..');

const INSTALL_HINTS: Record<string, string> = {
  promtool: 'prometheus',
  prometheus: 'prometheus',
  amtool: 'prometheus-alertmanager',
  'prometheus-alertmanager': 'prometheus-alertmanager',
  'docker-compose': 'docker-compose',
  'redis-server': 'redis-server',
  // Debian's own kubernetes-client is 1.20, whose kustomize is too old for the overlays: the
  // kubectl package of the Kubernetes apt repository (pkgs.k8s.io) or of Google Cloud's
  kubectl: 'kubectl',
};

export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v "${name}"`], { stdio: 'ignore' }).status === 0;
}

/** Fails the test with an install hint when a tool the check needs is not on PATH. */
export function requireBinary(name: string): void {
  if (!hasBinary(name)) {
    throw new Error(`${name} is not on PATH (Debian/Ubuntu: sudo apt-get install ${INSTALL_HINTS[name] ?? name}; .ci/run installs it)`);
  }
}

export interface ToolRun {
  status: number | null;
  /** stdout alone (for commands whose output is parsed). */
  stdout: string;
  /** stdout and stderr, for failure messages. */
  output: string;
}

/** Runs a command to completion; stdout and stderr together, for failure messages. */
export function runTool(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ToolRun {
  requireBinary(command);
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? REPO_DIR,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {
    status: result.status,
    stdout: result.stdout ?? '',
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`,
  };
}

/** Throws (failing the test) with the tool's whole output when it exits non-zero. */
export function expectToolSuccess(run: ToolRun, what: string): void {
  if (run.status !== 0) throw new Error(`${what} failed (exit ${run.status}):\n${run.output}`);
}
