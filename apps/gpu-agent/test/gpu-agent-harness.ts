import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@tokenscope/config';
import { LogCapture, scrape, startRedis, type Samples, type TestRedis } from '@tokenscope/testing';
import { gpuAgentConfigSchema } from '../src/config/gpu-agent.config.js';
import { createGpuAgentApp } from '../src/configure-app.js';
import { GpuSamplesPublisher } from '../src/publishing/gpu-samples.publisher.js';
import type { Clock } from '../src/sampling/clock.js';
import { GpuSamplingService } from '../src/sampling/gpu-sampling.service.js';

export const FAKE_NVIDIA_SMI = fileURLToPath(new URL('./fake-nvidia-smi', import.meta.url));

/**
 * The fake nvidia-smi behind a symlink named `nvidia-smi` in a temporary folder, with its
 * scenario file beside it: a test switches scenario between samples and reads what was called.
 */
export class FakeNvidiaSmi {
  readonly path: string;

  private constructor(private readonly dir: string) {
    this.path = join(dir, 'nvidia-smi');
  }

  static create(scenario = 'h100-sxm-8'): FakeNvidiaSmi {
    const fake = new FakeNvidiaSmi(mkdtempSync(join(tmpdir(), 'fake-nvidia-smi-')));
    symlinkSync(FAKE_NVIDIA_SMI, fake.path);
    fake.use(scenario);
    return fake;
  }

  /** Takes effect from the next nvidia-smi run. */
  use(scenario: string): void {
    writeFileSync(join(this.dir, 'scenario'), `${scenario}\n`);
  }

  /** The argument lists of every run so far. */
  calls(): string[] {
    const log = join(this.dir, 'calls.log');
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** pids of the runs that hung. */
  hangPids(): number[] {
    const file = join(this.dir, 'hang.pids');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
  }

  dispose(): void {
    for (const pid of this.hangPids()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private now: number) {}

  nowMs(): number {
    return this.now;
  }

  monotonicMs(): number {
    return this.now;
  }

  set(ms: number): void {
    this.now = ms;
  }

  advance(ms: number): void {
    this.now += ms;
  }
}

export interface RunningGpuAgent {
  url: string;
  app: NestFastifyApplication;
  logs: LogCapture;
  sampling: GpuSamplingService;
  publisher: GpuSamplesPublisher;
  metrics(): Promise<Samples>;
  readyz(): Promise<{ status: number; body: { status: string; checks: { gpus: string; redis: string } } }>;
  close(): Promise<void>;
}

/**
 * The real agent (AppModule + configure-app) on a free port. Start one agent per test file when
 * its logs are asserted: nestjs-pino keeps the first app's log destination for the whole file. Its interval is an hour unless the
 * test sets one, so the only automatic sample is the one at boot; tests take the others with
 * `sampling.sampleNow()` and never wait on the clock.
 */
export async function startGpuAgent(env: Record<string, string>, options: { clock?: Clock } = {}): Promise<RunningGpuAgent> {
  const config = loadConfig(gpuAgentConfigSchema, {
    LOG_LEVEL: 'info',
    GPU_AGENT_INTERVAL_MS: '3600000',
    GPU_AGENT_HOSTNAME: 'gpu-node-07',
    ...env,
  });
  const logs = new LogCapture();
  const app = await createGpuAgentApp(config, { logDestination: logs, ...(options.clock ? { clock: options.clock } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const sampling = app.get(GpuSamplingService);
  await sampling.idle();
  return {
    url,
    app,
    logs,
    sampling,
    publisher: app.get(GpuSamplesPublisher),
    metrics: () => scrape(url),
    readyz: async () => {
      const response = await fetch(`${url}/readyz`);
      return { status: response.status, body: (await response.json()) as never };
    },
    close: () => app.close(),
  };
}

export interface FakeGpuHost {
  readonly redis: TestRedis;
  readonly fake: FakeNvidiaSmi;
  readonly agent: RunningGpuAgent;
}

/**
 * For the enclosing describe: a private Redis, a fake nvidia-smi showing an 8 × H100 host and an
 * agent sampling it (with `env` on top), started before its tests and stopped after them.
 */
export function useFakeGpuHost(env: Record<string, string> = {}, options: { clock?: Clock } = {}): FakeGpuHost {
  const host: { -readonly [K in keyof FakeGpuHost]?: FakeGpuHost[K] } = {};
  beforeAll(async () => {
    host.redis = await startRedis();
    host.fake = FakeNvidiaSmi.create('h100-sxm-8');
    host.agent = await startGpuAgent({ REDIS_URL: host.redis.url, QUEUE_PREFIX: host.redis.prefix, GPU_AGENT_NVIDIA_SMI: host.fake.path, ...env }, options);
  });
  afterAll(async () => {
    await host.agent?.close();
    host.fake?.dispose();
    await host.redis?.stop();
  });
  return host as FakeGpuHost;
}

/** Every series of one metric: labels (as a sorted `k="v"` string) -> value. */
export function seriesOf(samples: Samples, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const [key, value] of samples) {
    if (key === name) found.set('', value);
    else if (key.startsWith(`${name}{`)) found.set(key.slice(name.length + 1, -1), value);
  }
  return found;
}

export const PER_GPU_METRICS = [
  'llm_gpu_utilization_percent',
  'llm_gpu_memory_used_bytes',
  'llm_gpu_memory_total_bytes',
  'llm_gpu_temperature_celsius',
  'llm_gpu_power_watts',
  'llm_gpu_sm_clock_hertz',
] as const;
