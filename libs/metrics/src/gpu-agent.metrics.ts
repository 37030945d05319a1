import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { WORK_DURATION_BUCKETS_SECONDS } from './buckets.js';
import { queuePublisherMetricProviders } from './queue-publisher.metrics.js';

// Names kept from the seed (a contract: infra/ alert rules and dashboards use them).
export const LLM_GPU_UTILIZATION_PERCENT = 'llm_gpu_utilization_percent';
export const LLM_GPU_MEMORY_USED_BYTES = 'llm_gpu_memory_used_bytes';
// Added by tokenscope.
export const LLM_GPU_MEMORY_TOTAL_BYTES = 'llm_gpu_memory_total_bytes';
export const LLM_GPU_TEMPERATURE_CELSIUS = 'llm_gpu_temperature_celsius';
export const LLM_GPU_POWER_WATTS = 'llm_gpu_power_watts';
export const LLM_GPU_SM_CLOCK_HERTZ = 'llm_gpu_sm_clock_hertz';
export const LLM_GPU_AGENT_SCRAPE_ERRORS_TOTAL = 'llm_gpu_agent_scrape_errors_total';
export const LLM_GPU_AGENT_LAST_SAMPLE_AGE_SECONDS = 'llm_gpu_agent_last_sample_age_seconds';
export const LLM_GPU_AGENT_SAMPLE_DURATION_SECONDS = 'llm_gpu_agent_sample_duration_seconds';
export const LLM_GPU_AGENT_GPUS = 'llm_gpu_agent_gpus';

/**
 * Labels of every per-GPU series. `gpu_id` is nvidia-smi's index, `gpu_uuid` the stable identity,
 * `Hostname` the label dcgm-exporter uses for the host, so its users can join the two exporters.
 */
export const GPU_LABEL_NAMES = ['gpu_id', 'gpu_uuid', 'gpu_name', 'Hostname'] as const;
export type GpuLabelName = (typeof GPU_LABEL_NAMES)[number];

/**
 * Why a sample failed (label `reason` of LLM_GPU_AGENT_SCRAPE_ERRORS_TOTAL), a closed set:
 * `binary_missing` nvidia-smi cannot be started; `driver_unavailable` it runs but cannot reach the
 * driver/NVML; `no_gpu` no device found; `timeout` it did not answer in time and was killed;
 * `gpu_lost` a GPU fell off the bus or stopped answering; `unsupported_field` the driver does not
 * know a queried field; `unparsable` output that is not the expected CSV; `command_failed` anything else.
 */
export const GPU_SAMPLE_ERROR_REASONS = [
  'binary_missing',
  'driver_unavailable',
  'no_gpu',
  'timeout',
  'gpu_lost',
  'unsupported_field',
  'unparsable',
  'command_failed',
] as const;
export type GpuSampleErrorReason = (typeof GPU_SAMPLE_ERROR_REASONS)[number];

const gpuLabelNames = [...GPU_LABEL_NAMES];

export const gpuAgentMetricProviders = [
  makeGaugeProvider({
    name: LLM_GPU_UTILIZATION_PERCENT,
    help: 'GPU utilization, percent of the last sample period a kernel was running (absent while MIG is enabled: nvidia-smi reports none)',
    labelNames: gpuLabelNames,
  }),
  makeGaugeProvider({
    name: LLM_GPU_MEMORY_USED_BYTES,
    help: 'Framebuffer memory used, bytes (nvidia-smi MiB x 1048576), all processes on the GPU',
    labelNames: gpuLabelNames,
  }),
  makeGaugeProvider({
    name: LLM_GPU_MEMORY_TOTAL_BYTES,
    help: 'Framebuffer memory total, bytes (nvidia-smi MiB x 1048576)',
    labelNames: gpuLabelNames,
  }),
  makeGaugeProvider({
    name: LLM_GPU_TEMPERATURE_CELSIUS,
    help: 'GPU core temperature, degrees Celsius',
    labelNames: gpuLabelNames,
  }),
  makeGaugeProvider({
    name: LLM_GPU_POWER_WATTS,
    help: 'Board power draw, watts (absent where the board does not report it)',
    labelNames: gpuLabelNames,
  }),
  makeGaugeProvider({
    name: LLM_GPU_SM_CLOCK_HERTZ,
    help: 'Current SM clock, hertz (nvidia-smi MHz x 1e6)',
    labelNames: gpuLabelNames,
  }),
  makeCounterProvider({
    name: LLM_GPU_AGENT_SCRAPE_ERRORS_TOTAL,
    help: 'Failed nvidia-smi samples, by reason (binary_missing, driver_unavailable, no_gpu, timeout, gpu_lost, unsupported_field, unparsable, command_failed)',
    labelNames: ['reason'],
  }),
  makeGaugeProvider({
    name: LLM_GPU_AGENT_LAST_SAMPLE_AGE_SECONDS,
    help: 'Seconds since the last sample that read at least one GPU (since the agent started, when none has yet)',
  }),
  makeHistogramProvider({
    name: LLM_GPU_AGENT_SAMPLE_DURATION_SECONDS,
    help: 'Seconds one sample took: running nvidia-smi and reading its output, failures included',
    buckets: [...WORK_DURATION_BUCKETS_SECONDS, 10, 30],
  }),
  makeGaugeProvider({
    name: LLM_GPU_AGENT_GPUS,
    help: 'GPUs read in the last sample (0 when it failed)',
  }),
  // the same publishing metrics as the gateway's, with queue="gpu-samples": one dashboard panel
  // and one alert cover every producer that writes to Redis
  ...queuePublisherMetricProviders,
];
