#!/usr/bin/env node
// Measures the CPU cost of the two ways to read nvidia-smi every N ms:
//   spawn:       a fresh `nvidia-smi --query-gpu=...` per sample (the agent's NvidiaSmiReader);
//   spawn+apps:  the same plus `--query-compute-apps` (the agent's default, GPU_AGENT_PROCESSES=true);
//   loop:        one long-lived `nvidia-smi --query-gpu=... -lms N` whose output is read as it comes.
// CPU comes from /proc/self/stat (Linux): utime+stime of this node process ("agent side") and
// cutime+cstime of its reaped children ("nvidia-smi side"), in clock ticks.
//
//   npm run build -w @tokenscope/gpu-agent      # the bench imports the agent's built reader
//   node apps/gpu-agent/bench/reader-cpu.mjs                          # against the fake nvidia-smi
//   node apps/gpu-agent/bench/reader-cpu.mjs --nvidia-smi "$(command -v nvidia-smi)" --samples 20 --interval-ms 500
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NvidiaSmiCsvParser, GPU_QUERY_FIELDS, gpuQueryArgs } from '../dist/sampling/nvidia-smi-csv.js';
import { NvidiaSmiReader } from '../dist/sampling/nvidia-smi.reader.js';

const { values: options } = parseArgs({
  options: {
    'nvidia-smi': { type: 'string', default: fileURLToPath(new URL('../test/fake-nvidia-smi', import.meta.url)) },
    samples: { type: 'string', default: '300' },
    'interval-ms': { type: 'string', default: '20' },
    scenario: { type: 'string', default: 'h100-sxm-8' },
    modes: { type: 'string', default: 'spawn,spawn+apps,loop' },
  },
});
const command = options['nvidia-smi'];
const samples = Number(options.samples);
const intervalMs = Number(options['interval-ms']);
process.env.FAKE_NVIDIA_SMI_SCENARIO ??= options.scenario;
const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || '100');
const parser = new NvidiaSmiCsvParser();

function cpuTicks() {
  // fields after the ")" of the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const field = (n) => Number(fields[n - 3]);
  return { self: field(14) + field(15), children: field(16) + field(17) };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function spawnMode(readsProcesses) {
  const reader = new NvidiaSmiReader({ command, timeoutMs: 30_000, readsProcesses });
  let gpus = 0;
  for (let i = 0; i < samples; i++) {
    const reading = await reader.read();
    if (reading.failure) throw new Error(`sample failed: ${reading.failure.reason}: ${reading.failure.detail}`);
    gpus = reading.gpus.length;
    await sleep(intervalMs);
  }
  return gpus;
}

async function loopMode() {
  const child = spawn(command, [...gpuQueryArgs(GPU_QUERY_FIELDS), '-lms', String(intervalMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let buffer = '';
  let batch = [];
  let batches = 0;
  let gpus = 0;
  await new Promise((resolve) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop();
      for (const line of lines) {
        const [row] = parser.parseGpus(line).rows;
        if (!row) continue;
        // a row whose index does not grow starts the next iteration's batch
        if (batch.length > 0 && row.index <= batch[batch.length - 1].index) {
          gpus = batch.length;
          batches++;
          batch = [];
          if (batches >= samples) {
            child.kill('SIGKILL');
            resolve();
            return;
          }
        }
        batch.push(row);
      }
    });
    child.once('exit', resolve);
  });
  await exited; // reaped: its CPU is now in cutime/cstime
  return gpus;
}

async function measure(mode) {
  const before = cpuTicks();
  const startedMs = Date.now();
  const gpus = await (mode === 'loop' ? loopMode() : spawnMode(mode === 'spawn+apps'));
  const wallMs = Date.now() - startedMs;
  const after = cpuTicks();
  const perSampleMs = (ticks) => ((ticks * 1000) / ticksPerSecond / samples).toFixed(2);
  const self = after.self - before.self;
  const children = after.children - before.children;
  return {
    mode,
    samples,
    gpus,
    wall_s: (wallMs / 1000).toFixed(1),
    agent_cpu_ms_per_sample: perSampleMs(self),
    nvidia_smi_cpu_ms_per_sample: perSampleMs(children),
    total_cpu_ms_per_sample: perSampleMs(self + children),
    cpu_percent_of_one_core_at_5s: (((self + children) * 1000) / ticksPerSecond / samples / 5000 * 100).toFixed(3),
  };
}

console.log(`nvidia-smi: ${command}${command.endsWith('fake-nvidia-smi') ? ` (fake, scenario ${process.env.FAKE_NVIDIA_SMI_SCENARIO})` : ''}`);
console.log(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${samples} samples every ${intervalMs} ms, clock tick ${1000 / ticksPerSecond} ms`);
const results = [];
for (const mode of options.modes.split(',')) results.push(await measure(mode));
console.table(results);
