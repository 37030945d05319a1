#!/usr/bin/env node
// `npm start`: builds, makes sure Redis answers (starting a private redis-server when REDIS_URL
// does not answer and the binary exists), then runs the gateway, the quality service and the
// GPU agent on the embedded simulator. Ctrl-C stops everything it started.
// `npm run stack` (scripts/stack.mjs) runs the same through runTokenscope() and adds helpers.
import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_ENTRY, APP_NODE_FLAGS, appEnv } from '../infra/lib/app-runtime.mjs';

const env = { ...process.env };
env.REDIS_URL ??= 'redis://127.0.0.1:6379';
// readable lines for a person at a terminal; JSON for a pipe, a file or a log shipper
env.LOG_FORMAT ??= process.stdout.isTTY ? 'pretty' : 'json';
/** Each app's port variable, default and listening address (the apps listen on all interfaces by default). */
const PORTS = [
  ['gateway', 'GATEWAY_PORT', '8000', 'GATEWAY_HOST'],
  ['quality', 'QUALITY_PORT', '8001', 'QUALITY_HOST'],
  ['gpu-agent', 'GPU_AGENT_PORT', '9400', 'GPU_AGENT_HOST'],
];
let isReady = false;
/** Apps (kind 'app') stop first; helpers (Redis, Prometheus, Alertmanager) after them. */
const children = [];
let isStopping = false;

export function log(message) {
  process.stderr.write(`[tokenscope] ${message}\n`);
}

function ping(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port || 6379), hostname || '127.0.0.1');
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    // something that is not Redis may accept and hang up without a word
    socket.once('close', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG') || data.toString().startsWith('-NOAUTH')));
  });
}

export function hasBinary(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** True when nothing listens on host:port (the check the apps' own listen would fail). */
function isPortFree(port, host) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port: Number(port), host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Before building anything: a port already taken ends the start with one line that names its variable. */
async function ensurePortsFree() {
  for (const [name, variable, defaultPort, hostVariable] of PORTS) {
    const port = env[variable] ?? defaultPort;
    if (await isPortFree(port, env[hostVariable] ?? '0.0.0.0')) continue;
    log(`port ${port} (${name}) is already in use: stop what holds it (an earlier npm start?), or set ${variable} to a free port`);
    process.exit(1);
  }
}

/** True when Redis answers (maybe a private one started here); false when it cannot, after saying why. */
async function ensureRedis() {
  if (await ping(env.REDIS_URL)) {
    log(`using Redis at ${env.REDIS_URL}`);
    return true;
  }
  if (!hasBinary('redis-server')) {
    log(`Redis does not answer at ${env.REDIS_URL} and redis-server is not installed: install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis), or set REDIS_URL to a Redis that answers`);
    process.exit(1);
  }
  const url = new URL(env.REDIS_URL);
  const port = url.port || '6379';
  const dir = mkdtempSync(join(tmpdir(), 'tokenscope-redis-'));
  const redis = spawn('redis-server', ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  children.push({ name: 'redis', kind: 'helper', child: redis, cleanup: () => rmSync(dir, { recursive: true, force: true }) });
  for (let i = 0; i < 50 && !(await ping(env.REDIS_URL)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await ping(env.REDIS_URL))) {
    log(`Redis does not answer at ${env.REDIS_URL} and a private redis-server could not start on port ${port} (is something else listening there?): set REDIS_URL to a Redis that answers`);
    stop(1, { isQuiet: true });
    return false;
  }
  log(`Redis did not answer at ${env.REDIS_URL}: started a private redis-server on port ${port}`);
  return true;
}

function startApp(name) {
  const child = spawn(process.execPath, [...APP_NODE_FLAGS, ...APP_ENTRY], {
    cwd: join('apps', name),
    env: appEnv(env),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (isStopping) return;
    // before it was ready, the app has said why in one line (a port, a bad file): nothing to add
    if (isReady) log(`${name} exited (${signal ?? code}); stopping everything`);
    stop(1, { isQuiet: !isReady });
  });
  children.push({ name, kind: 'app', child });
}

/**
 * Starts a helper process (Prometheus, Alertmanager) that is stopped after the apps, then
 * `cleanup` runs (temp dirs). If it exits on its own, everything stops, as for an app.
 */
export function startHelper(name, command, args, { cleanup } = {}) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('error', (error) => log(`${name} could not start: ${error.message}`));
  child.on('exit', (code, signal) => {
    if (isStopping) return;
    log(`${name} exited (${signal ?? code}); stopping everything`);
    stop(1);
  });
  children.push({ name, kind: 'helper', child, cleanup });
  return child;
}

export async function waitReady(name, url) {
  for (let i = 0; i < 150; i++) {
    try {
      const response = await fetch(url);
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`${name} is not ready at ${url} after 30 s`);
  return false;
}

function stop(code = 0, { isQuiet = false } = {}) {
  if (isStopping) return;
  isStopping = true;
  if (!isQuiet) log('stopping…');
  const apps = children.filter((c) => c.kind === 'app');
  const helpers = children.filter((c) => c.kind === 'helper');
  let remaining = apps.filter((c) => c.child.exitCode === null).length;
  let isFinished = false;
  const finish = async () => {
    if (isFinished) return;
    isFinished = true;
    // helpers after the apps, so the apps can flush to Redis while they drain
    await Promise.all(
      helpers.map(
        ({ child }) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
            const timer = setTimeout(() => {
              child.kill('SIGKILL');
              resolve();
            }, 5_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    for (const { cleanup } of helpers) cleanup?.();
    process.exit(code);
  };
  if (remaining === 0) void finish();
  for (const { child } of apps) {
    if (child.exitCode !== null) continue;
    child.once('exit', () => --remaining === 0 && void finish());
    child.kill('SIGTERM');
  }
  setTimeout(() => {
    for (const { child } of apps) child.kill('SIGKILL');
    void finish();
  }, 15_000).unref();
}

/**
 * Builds and runs the three apps (and Redis when needed) until Ctrl-C. `extras({ env, ports })`
 * runs beside the apps' start-up (it may call startHelper) and returns lines for the ready
 * message.
 */
export async function runTokenscope({ extras } = {}) {
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  // the terminal closed: stop what was started here too (a private redis-server would outlive it)
  process.on('SIGHUP', () => stop(0));

  await ensurePortsFree();
  if (!(await ensureRedis())) return;
  log('building…');
  const build = spawnSync('nx', ['run-many', '-t', 'build', '--outputStyle=static'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, NX_DAEMON: 'false' } });
  if (build.status !== 0) {
    log('build failed (run `npm run build` to see why)');
    stop(1, { isQuiet: true });
    return;
  }
  startApp('gateway');
  startApp('quality');
  startApp('gpu-agent');
  const gatewayPort = env.GATEWAY_PORT ?? '8000';
  const qualityPort = env.QUALITY_PORT ?? '8001';
  const agentPort = env.GPU_AGENT_PORT ?? '9400';
  const [ready, extraLines] = await Promise.all([
    Promise.all([
      waitReady('gateway', `http://127.0.0.1:${gatewayPort}/healthz`),
      waitReady('quality', `http://127.0.0.1:${qualityPort}/healthz`),
      waitReady('gpu-agent', `http://127.0.0.1:${agentPort}/healthz`),
    ]),
    extras ? extras({ env, ports: { gateway: gatewayPort, quality: qualityPort, gpuAgent: agentPort } }) : Promise.resolve([]),
  ]);
  if (ready.every(Boolean)) {
    isReady = true;
    log(`ready:
  console   http://localhost:${qualityPort}/console   (recent requests, latency, cost and quality in the browser)
  gateway   http://localhost:${gatewayPort}   (POST /v1/generate, /v1/chat/completions; GET /metrics)
  quality   http://localhost:${qualityPort}   (POST /v1/feedback, GET /v1/quality; GET /metrics)
  gpu-agent http://localhost:${agentPort}   (GET /metrics)
${extraLines.map((line) => `  ${line}\n`).join('')}Ctrl-C stops everything.`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await runTokenscope();
