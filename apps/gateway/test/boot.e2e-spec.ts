import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, ConfigError } from '@tokenscope/config';
import { freePort, startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { gatewayConfigSchema } from '../src/config/gateway.config.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));

function runGateway(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', './dist/otel.js', 'dist/main.js'], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', OTEL_SDK_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('booting the gateway', () => {
  it('lists every bad variable, names them, and never prints a secret value', () => {
    let failure: unknown;
    try {
      loadConfig(gatewayConfigSchema, {
        GATEWAY_PORT: 'eighty',
        UPSTREAM_TIMEOUT_MS: '-5',
        COST_TIMEZONE: 'Mars/Olympus_Mons',
        LLM_BACKEND: 'gpt',
        SIMULATOR_ADMIN: 'maybe',
        UPSTREAM_URL: 'not a url sk-secret-123',
      });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ConfigError);
    const problems = (failure as ConfigError).problems.map((p) => p.split(':')[0]).sort();
    expect(problems).toEqual(['COST_TIMEZONE', 'GATEWAY_PORT', 'LLM_BACKEND', 'SIMULATOR_ADMIN', 'UPSTREAM_TIMEOUT_MS', 'UPSTREAM_URL']);
    expect((failure as ConfigError).message).not.toContain('sk-secret-123');
  });

  const built = existsSync(`${appDir}/dist/main.js`);
  (built ? describe : describe.skip)('as a process (needs the build, which npm test runs first)', () => {
    let redis: TestRedis;

    beforeAll(async () => {
      redis = await startRedis();
    });

    afterAll(async () => {
      await redis?.stop();
    });

    it('exits 1 with the bad key named and no stack trace', async () => {
      const run = runGateway({ GATEWAY_PORT: '99999', REDIS_URL: redis.url });
      expect(await run.exited).toBe(1);
      const { stderr } = run.output();
      expect(stderr).toContain('GATEWAY_PORT');
      expect(stderr).not.toMatch(/\n\s+at /);
    });

    it('stops a MODELS_FILE that cannot be read with a clear message', async () => {
      const run = runGateway({ MODELS_FILE: '/nonexistent/models.yaml', REDIS_URL: redis.url, GATEWAY_PORT: String(await freePort()) });
      expect(await run.exited).toBe(1);
      expect(run.output().stderr + run.output().stdout).toContain('MODELS_FILE /nonexistent/models.yaml: cannot be read (ENOENT)');
    });

    it('serves, then on SIGTERM turns unready, finishes in-flight streams and exits 0', async () => {
      const port = await freePort();
      const run = runGateway({ GATEWAY_PORT: String(port), REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, SIMULATOR_SPEED: '1' });
      const url = `http://127.0.0.1:${port}`;
      await waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), { timeoutMs: 20_000 });
      const inFlight = fetch(`${url}/v1/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-large', prompt: 'long answer', max_tokens: 40, stream: true }),
      });
      const response = await inFlight;
      run.child.kill('SIGTERM');
      const text = await response.text();
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(await run.exited).toBe(0);
    });
  });
});
