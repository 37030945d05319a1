import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_LOOP_HOLD_LIMIT_MS, leastHold, pathologicalText, startRedis, type TestRedis } from '@tokenscope/testing';
import { startGpuAgent, type RunningGpuAgent } from './gpu-agent-harness.js';

const MIB = 1 << 20;

/** An nvidia-smi that prints whatever the test wrote beside it, for either query. */
function printingNvidiaSmi(dir: string): { path: string; print(gpus: string, apps: string): void } {
  const path = join(dir, 'nvidia-smi');
  writeFileSync(path, '#!/bin/sh\ncase "$1" in --query-gpu=*) cat "$(dirname "$0")/gpus.txt" ;; *) cat "$(dirname "$0")/apps.txt" ;; esac\n');
  chmodSync(path, 0o755);
  return {
    path,
    print: (gpus, apps) => {
      writeFileSync(join(dir, 'gpus.txt'), gpus);
      writeFileSync(join(dir, 'apps.txt'), apps);
    },
  };
}

const gpuRow = (index: number, name = 'NVIDIA H100 80GB HBM3') => `${index}, GPU-${index.toString(16).padStart(8, '0')}-hold, 97, 74213, 81559, 63, 652.31, 1980, Disabled, ${name}\n`;
const appRow = (gpu: number, pid: number, name = '/usr/bin/python3') => `GPU-${gpu.toString(16).padStart(8, '0')}-hold, ${pid}, 1024, ${name}\n`;

describe('event-loop hold per GPU-agent sample and request', () => {
  let redis: TestRedis;
  let agent: RunningGpuAgent;
  let dir: string;
  let smi: ReturnType<typeof printingNvidiaSmi>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hold-nvidia-smi-'));
    smi = printingNvidiaSmi(dir);
    smi.print(gpuRow(0), appRow(0, 100));
    redis = await startRedis();
    agent = await startGpuAgent({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, GPU_AGENT_NVIDIA_SMI: smi.path });
  });

  afterAll(async () => {
    await agent?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses pathological nvidia-smi output and serves every route without holding the event loop over 50 ms', async () => {
    const outputs: Array<[string, (variant: number) => [gpus: string, apps: string]]> = [
      ['1 MiB of letters on one line', (v) => [pathologicalText('random letters, no space', MIB - 16, v), '']],
      ['1 MiB of commas', () => [','.repeat(MIB - 16), ','.repeat(MIB - 16)]],
      ['1 MiB of blank lines', () => ['\r\n'.repeat(MIB / 2 - 8), '\n'.repeat(MIB - 16)]],
      ['rows of [N/A]', () => ['[N/A], '.repeat(10).concat('\n').repeat(MIB / 72), '']],
      ['a GPU named with 1 MiB of letters', (v) => [gpuRow(0, pathologicalText('one word of a single letter', MIB - 128, v)), '']],
      ['2 MiB of output (over what the agent reads)', (v) => [pathologicalText('English prose', 2 * MIB, v), '']],
      ['256 GPUs with 256 processes each', () => [Array.from({ length: 256 }, (_, i) => gpuRow(i)).join(''), Array.from({ length: 256 * 256 }, (_, i) => appRow(i % 256, 1000 + i)).join('')]],
      ['one GPU with 10,000 processes named with 256 letters', (v) => [gpuRow(0), Array.from({ length: 10_000 }, (_, i) => appRow(0, i + 1, pathologicalText('random letters, no space', 258, v * 10_000 + i))).join('')]],
    ];
    const holds: Record<string, number> = {};
    for (const [name, output] of outputs) {
      const hold = await leastHold(() => agent.sampling.sampleNow(), { prepare: (v) => smi.print(...output(v)) });
      holds[`sample: ${name}`] = Math.round(hold.cpuMs * 10) / 10;
    }
    // /metrics after the biggest sample the agent keeps: 256 GPUs
    smi.print(...outputs[6]![1](0));
    await agent.sampling.sampleNow();
    const statuses: Record<string, number> = {};
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const hold = await leastHold(async () => {
        const response = await fetch(`${agent.url}${path}`);
        await response.arrayBuffer();
        statuses[path] = response.status;
      });
      holds[`GET ${path}`] = Math.round(hold.cpuMs * 10) / 10;
    }
    expect(statuses).toEqual({ '/metrics': 200, '/healthz': 200, '/readyz': 200 });
    expect((await agent.metrics()).get('llm_gpu_agent_gpus')).toBe(256);
    if (process.env.EVENT_LOOP_HOLD_REPORT) console.log(JSON.stringify(holds, null, 1));
    expect({ over: Object.entries(holds).filter(([, ms]) => ms > EVENT_LOOP_HOLD_LIMIT_MS), holds }).toEqual({ over: [], holds });
  }, 600_000);
});
