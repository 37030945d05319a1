#!/usr/bin/env bash
# GPU check: on a host with an NVIDIA GPU, runs the GPU agent against the real nvidia-smi, loads
# the GPUs briefly (a PyTorch matmul loop when `import torch` works), and compares what the agent
# exports on /metrics with what nvidia-smi itself reads, field by field. Prints one PASS/FAIL line
# per GPU and field, INFO lines for what is not pass/fail (the CPU cost of both ways of running
# nvidia-smi), and exits non-zero when anything failed. Takes about a minute; a watchdog stops it
# at 170 s.
#
#   npm ci && npm run build      # once
#   scripts/gpu-check.sh
#
# Environment: NVIDIA_SMI (default: nvidia-smi on PATH), GPU_CHECK_LOAD_SECONDS (default 40),
# GPU_CHECK_ALLOW_FAKE=1 to dry-run the script itself against apps/gpu-agent/test/fake-nvidia-smi.
set -euo pipefail
# the whole check must end within 3 minutes, whatever hangs: run under a 170 s timeout
if [ -z "${GPU_CHECK_UNDER_TIMEOUT:-}" ]; then
  GPU_CHECK_UNDER_TIMEOUT=1 exec timeout --kill-after=5 170 "$0" "$@"
fi
cd "$(dirname "$0")/.."
ROOT=$PWD
NODE="$ROOT/node_modules/.bin/node"
NVIDIA_SMI=${NVIDIA_SMI:-$(command -v nvidia-smi || true)}
LOAD_SECONDS=${GPU_CHECK_LOAD_SECONDS:-40}
INTERVAL_MS=1000
FIELDS=index,uuid,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw,clocks.sm,mig.mode.current,name
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")
pids=()
failures=0

say() { printf '%s\n' "$*"; }
fail_now() { say "FAIL $*"; exit 1; }

cleanup() {
  for pid in "${pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'say "FAIL watchdog: gpu-check did not finish within 170 s"; exit 1' TERM

# ---- preconditions ------------------------------------------------------------------------
[ -x "$NODE" ] || fail_now "preconditions: $NODE missing (run npm ci)"
[ -f apps/gpu-agent/dist/main.js ] || fail_now "preconditions: apps/gpu-agent/dist/main.js missing (run npm run build)"
[ -n "$NVIDIA_SMI" ] || fail_now "preconditions: nvidia-smi not found (set NVIDIA_SMI)"
case "$NVIDIA_SMI" in
  *fake-nvidia-smi) [ "${GPU_CHECK_ALLOW_FAKE:-}" = 1 ] || fail_now "preconditions: $NVIDIA_SMI is the test fake (set GPU_CHECK_ALLOW_FAKE=1 to dry-run)" ;;
esac
if ! "$NVIDIA_SMI" --query-gpu="$FIELDS" --format=csv,noheader,nounits > "$WORK/preflight.csv" 2>&1; then
  fail_now "preconditions: $NVIDIA_SMI does not answer: $(head -1 "$WORK/preflight.csv")"
fi
gpu_count=$(grep -c . "$WORK/preflight.csv")
driver=$("$NVIDIA_SMI" --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1) || driver=unknown
say "INFO nvidia-smi: $NVIDIA_SMI ($gpu_count GPU(s)), driver $driver"

free_port() { "$NODE" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# ---- Redis (optional): lets the check verify the published samples too ---------------------
redis_url=redis://127.0.0.1:1
if command -v redis-server > /dev/null; then
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" > "$WORK/redis.log" 2>&1 &
  pids+=("$!")
  redis_url=redis://127.0.0.1:$redis_port
else
  say "INFO redis-server not installed: the published samples are not checked"
fi

# ---- the agent ----------------------------------------------------------------------------
agent_port=$(free_port)
prefix=gpucheck$$
(
  cd apps/gpu-agent
  GPU_AGENT_PORT=$agent_port GPU_AGENT_HOST=127.0.0.1 GPU_AGENT_INTERVAL_MS=$INTERVAL_MS GPU_AGENT_NVIDIA_SMI=$NVIDIA_SMI \
    GPU_AGENT_HOSTNAME=gpu-check REDIS_URL=$redis_url QUEUE_PREFIX=$prefix OTEL_SDK_DISABLED=true LOG_LEVEL=info \
    exec "$NODE" --enable-source-maps --import ./dist/otel.js dist/main.js
) > "$WORK/agent.log" 2>&1 &
agent_pid=$!
pids+=("$agent_pid")
agent=http://127.0.0.1:$agent_port
for _ in $(seq 1 60); do
  if [ "$(curl -s -o "$WORK/readyz.json" -w '%{http_code}' "$agent/readyz" || true)" = 200 ]; then break; fi
  kill -0 "$agent_pid" 2>/dev/null || { cat "$WORK/agent.log"; fail_now "agent exited at start"; }
  sleep 0.5
done
if grep -q '"status":"not ready"' "$WORK/readyz.json" 2>/dev/null || [ ! -s "$WORK/readyz.json" ]; then
  say "FAIL agent ready: $(cat "$WORK/readyz.json" 2>/dev/null)"
  tail -5 "$WORK/agent.log"
  exit 1
fi
say "PASS agent ready: $(cat "$WORK/readyz.json")"

# ---- load ---------------------------------------------------------------------------------
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2> /dev/null; then
  python3 - "$LOAD_SECONDS" > "$WORK/load.log" 2>&1 <<'PY' &
import sys, time, torch
deadline = time.time() + float(sys.argv[1])
devices = range(torch.cuda.device_count())
pairs = [(torch.randn(8192, 8192, device=f"cuda:{d}", dtype=torch.float16), torch.randn(8192, 8192, device=f"cuda:{d}", dtype=torch.float16)) for d in devices]
while time.time() < deadline:
    for a, b in pairs:
        a @ b
    for d in devices:
        torch.cuda.synchronize(d)
PY
  pids+=("$!")
  say "INFO load: PyTorch fp16 matmul on every visible GPU for ${LOAD_SECONDS} s; waiting 10 s for clocks and power to ramp"
  sleep 10
else
  say "INFO load: no PyTorch with CUDA here; comparing idle readings"
  sleep 3
fi

# ---- compare ------------------------------------------------------------------------------
set +e
AGENT_URL=$agent NVIDIA_SMI=$NVIDIA_SMI FIELDS=$FIELDS REDIS_URL=$redis_url PREFIX=$prefix INTERVAL_MS=$INTERVAL_MS \
  "$NODE" --input-type=module - <<'JS'
import { execFileSync } from 'node:child_process';
const { AGENT_URL, NVIDIA_SMI, FIELDS, REDIS_URL, PREFIX, INTERVAL_MS } = process.env;
const MIB = 1048576;
let failures = 0;
const line = (ok, what, detail) => {
  if (!ok) failures++;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}: ${detail}`);
};

function parseMetrics(text) {
  const series = [];
  for (const row of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(row);
    if (!m || row.startsWith('#')) continue;
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    series.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return series;
}

function readSmi() {
  const out = execFileSync(NVIDIA_SMI, [`--query-gpu=${FIELDS}`, '--format=csv,noheader,nounits'], { encoding: 'utf8' });
  const names = FIELDS.split(',');
  return out.split('\n').filter(Boolean).map((row) => {
    const parts = row.split(',');
    const cells = [...parts.slice(0, names.length - 1), parts.slice(names.length - 1).join(',')].map((c) => c.trim());
    const gpu = Object.fromEntries(names.map((n, i) => [n, cells[i]]));
    const num = (v) => (v === undefined || v.startsWith('[') || v === 'N/A' ? null : Number(v));
    return {
      index: gpu.index, uuid: gpu.uuid, name: gpu.name, mig: gpu['mig.mode.current'],
      utilization: num(gpu['utilization.gpu']), memUsedMib: num(gpu['memory.used']), memTotalMib: num(gpu['memory.total']),
      temperature: num(gpu['temperature.gpu']), power: num(gpu['power.draw']), smMhz: num(gpu['clocks.sm']),
    };
  });
}

// field -> [agent metric, nvidia-smi value in the metric's unit, allowed difference, unit]
const FIELDS_CHECKED = [
  ['memory.total', 'llm_gpu_memory_total_bytes', (g) => g.memTotalMib === null ? null : g.memTotalMib * MIB, () => 0, 'B'],
  ['memory.used', 'llm_gpu_memory_used_bytes', (g) => g.memUsedMib === null ? null : g.memUsedMib * MIB, (v) => Math.max(512 * MIB, 0.05 * v), 'B'],
  ['temperature.gpu', 'llm_gpu_temperature_celsius', (g) => g.temperature, () => 3, 'C'],
  ['power.draw', 'llm_gpu_power_watts', (g) => g.power, (v) => Math.max(30, 0.15 * v), 'W'],
  ['clocks.sm', 'llm_gpu_sm_clock_hertz', (g) => g.smMhz === null ? null : g.smMhz * 1e6, (v) => Math.max(150e6, 0.1 * v), 'Hz'],
  ['utilization.gpu', 'llm_gpu_utilization_percent', (g) => g.utilization, () => 35, '%'],
];

// Three rounds a couple of intervals apart; a field passes when its closest round is within the
// tolerance: noise (a fast-moving reading) differs round to round, a unit or label bug does not.
const rounds = [];
for (let r = 0; r < 3; r++) {
  const metrics = parseMetrics(await (await fetch(`${AGENT_URL}/metrics`)).text());
  rounds.push({ metrics, smi: readSmi() });
  await new Promise((resolve) => setTimeout(resolve, 2 * Number(INTERVAL_MS)));
}

const last = rounds[rounds.length - 1];
const gpusGauge = last.metrics.find((s) => s.name === 'llm_gpu_agent_gpus')?.value;
line(gpusGauge === last.smi.length, 'llm_gpu_agent_gpus', `agent ${gpusGauge}, nvidia-smi ${last.smi.length}`);

for (const gpu of last.smi) {
  const tag = `gpu ${gpu.index} (${gpu.name}, ${gpu.uuid})`;
  const labelled = last.metrics.filter((s) => s.labels.gpu_uuid === gpu.uuid);
  const labelsOk = labelled.length > 0 && labelled.every((s) => s.labels.gpu_id === gpu.index && s.labels.gpu_name === gpu.name && s.labels.Hostname === 'gpu-check');
  line(labelsOk, `${tag} labels`, labelsOk ? `gpu_id=${gpu.index} gpu_name="${gpu.name}" Hostname=gpu-check on ${labelled.length} series` : `series: ${JSON.stringify(labelled.map((s) => s.labels))}`);
  for (const [field, metric, smiValue, tolerance, unit] of FIELDS_CHECKED) {
    const pairs = rounds.map(({ metrics, smi }) => {
      const own = smi.find((g) => g.uuid === gpu.uuid);
      const exported = metrics.find((s) => s.name === metric && s.labels.gpu_uuid === gpu.uuid);
      return { expected: own ? smiValue(own) : null, actual: exported?.value ?? null };
    });
    if (pairs.every((p) => p.expected === null)) {
      // nvidia-smi has no value ([N/A], e.g. utilization under MIG): the agent must export no series
      const ok = pairs.every((p) => p.actual === null);
      line(ok, `${tag} ${field}`, ok ? `nvidia-smi reports none${gpu.mig === 'Enabled' ? ' (MIG enabled)' : ''}, agent exports no series` : `agent exports ${pairs.map((p) => p.actual)} where nvidia-smi reports none`);
      continue;
    }
    const diffs = pairs.filter((p) => p.expected !== null && p.actual !== null).map((p) => ({ ...p, diff: Math.abs(p.actual - p.expected) }));
    const best = diffs.sort((a, b) => a.diff - b.diff)[0];
    const ok = best !== undefined && best.diff <= tolerance(best.expected);
    line(ok, `${tag} ${field}`, best ? `agent ${best.actual} ${unit}, nvidia-smi ${best.expected} ${unit} (|diff| ${best.diff} <= ${tolerance(best.expected)})` : `agent exports no ${metric}`);
  }
}

const errors = last.metrics.filter((s) => s.name === 'llm_gpu_agent_scrape_errors_total').reduce((sum, s) => sum + s.value, 0);
line(errors === 0, 'llm_gpu_agent_scrape_errors_total', `${errors} failed samples`);
const age = last.metrics.find((s) => s.name === 'llm_gpu_agent_last_sample_age_seconds')?.value;
line(age !== undefined && age < (3 * Number(INTERVAL_MS)) / 1000, 'llm_gpu_agent_last_sample_age_seconds', `${age} s (interval ${Number(INTERVAL_MS) / 1000} s)`);
const duration = last.metrics.filter((s) => s.name.startsWith('llm_gpu_agent_sample_duration_seconds'));
const count = duration.find((s) => s.name.endsWith('_count'))?.value ?? 0;
const sum = duration.find((s) => s.name.endsWith('_sum'))?.value ?? 0;
line(count > 0, 'llm_gpu_agent_sample_duration_seconds', `${count} samples, mean ${count ? ((sum / count) * 1000).toFixed(1) : '-'} ms per sample`);

if (!REDIS_URL.endsWith(':1')) {
  const { Redis } = await import(new URL('node_modules/ioredis/built/index.js', `file://${process.cwd()}/`).href);
  const { parseGpuSample, gpuSamplesStreamKey } = await import(new URL('libs/queue-contracts/dist/index.js', `file://${process.cwd()}/`).href);
  const client = new Redis(REDIS_URL);
  try {
    const [[, fields]] = await client.xrevrange(gpuSamplesStreamKey(PREFIX), '+', '-', 'COUNT', 1);
    const sample = parseGpuSample(fields[1]);
    const totalsOk = sample.gpus.every((g) => g.memoryTotalBytes === (last.smi.find((s) => s.uuid === g.uuid)?.memTotalMib ?? NaN) * MIB);
    line(totalsOk && sample.gpus.length === last.smi.length, 'published sample', `parses with the gpu-samples contract, ${sample.gpus.length} GPUs, memory totals match nvidia-smi`);
  } catch (error) {
    line(false, 'published sample', error.message);
  } finally {
    client.disconnect();
  }
}
process.exit(failures > 0 ? 1 : 0);
JS
compare_status=$?
set -e
[ "$compare_status" -eq 0 ] || failures=$((failures + 1))

# ---- the CPU cost of spawn-per-sample vs one long-lived nvidia-smi (informational) ---------
for pid in "${pids[@]}"; do [ "$pid" != "$agent_pid" ] && kill "$pid" 2>/dev/null || true; done
say "INFO CPU cost of reading nvidia-smi every 500 ms, 10 samples per mode (see docs/gpu.md):"
"$NODE" apps/gpu-agent/bench/reader-cpu.mjs --nvidia-smi "$NVIDIA_SMI" --samples 10 --interval-ms 500 2>&1 | sed 's/^/INFO   /' || say "INFO   (bench failed)"

kill "$agent_pid" 2>/dev/null || true
if [ "$failures" -gt 0 ]; then
  say "gpu-check: FAILED"
  exit 1
fi
say "gpu-check: all checks passed"
