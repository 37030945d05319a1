import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, parsePrometheusText } from '@tokenscope/testing';
import { APP_ENTRY, APP_NODE_FLAGS, appEnv } from '../../lib/app-runtime.mjs';
import { eventually, type ProcessGroup } from './processes.js';
import { REPO_DIR } from './tools.js';

/** As production runs them (the memory bounds the tests check depend on it). */
const APP_ARGS = [...APP_NODE_FLAGS, ...APP_ENTRY];

export interface RunningApp {
  url: string;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A built app as a child process on a free port, once it answers /healthz. */
export function startApp(processes: ProcessGroup, app: 'gateway' | 'quality' | 'gpu-agent', env: Record<string, string>): Promise<RunningApp> {
  return (async () => {
    const port = await freePort();
    const portVariable = { gateway: 'GATEWAY_PORT', quality: 'QUALITY_PORT', 'gpu-agent': 'GPU_AGENT_PORT' }[app];
    const hostVariable = { gateway: 'GATEWAY_HOST', quality: 'QUALITY_HOST', 'gpu-agent': 'GPU_AGENT_HOST' }[app];
    const child = processes.start(app, process.execPath, APP_ARGS, {
      cwd: join(REPO_DIR, 'apps', app),
      env: appEnv({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', [portVariable]: String(port), [hostVariable]: '127.0.0.1', ...env }),
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const url = `http://127.0.0.1:${port}`;
    await eventually(`${app} answers /healthz`, async () => (await fetch(`${url}/healthz`)).ok, processes, 30_000, 200);
    return { url, pid: child.pid!, exited };
  })();
}

/** Resident memory of a process, MB, from /proc. */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

export async function metrics(url: string) {
  return parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
}
