import { Inject, Injectable, type Provider } from '@nestjs/common';
import {
  GPU_SAMPLE_ERROR_REASONS,
  LLM_GPU_AGENT_GPUS,
  LLM_GPU_AGENT_LAST_SAMPLE_AGE_SECONDS,
  LLM_GPU_AGENT_SAMPLE_DURATION_SECONDS,
  LLM_GPU_AGENT_SCRAPE_ERRORS_TOTAL,
  LLM_GPU_MEMORY_TOTAL_BYTES,
  LLM_GPU_MEMORY_USED_BYTES,
  LLM_GPU_POWER_WATTS,
  LLM_GPU_SM_CLOCK_HERTZ,
  LLM_GPU_TEMPERATURE_CELSIUS,
  LLM_GPU_UTILIZATION_PERCENT,
  type GpuLabelName,
  type GpuSampleErrorReason,
} from '@tokenscope/metrics';
import type { GpuStats } from '@tokenscope/queue-contracts';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { GPU_AGENT_CONFIG, type GpuAgentConfig } from '../config/gpu-agent.config.js';
import { CLOCK, type Clock } from './clock.js';
import type { GpuReading } from './gpu-reader.js';

/** Each per-GPU gauge and the field it shows (units already SI: see NvidiaSmiCsvParser). */
const GPU_SERIES: ReadonlyArray<[metric: string, value: (gpu: GpuStats) => number | null]> = [
  [LLM_GPU_UTILIZATION_PERCENT, (gpu) => gpu.utilizationPercent],
  [LLM_GPU_MEMORY_USED_BYTES, (gpu) => gpu.memoryUsedBytes],
  [LLM_GPU_MEMORY_TOTAL_BYTES, (gpu) => gpu.memoryTotalBytes],
  [LLM_GPU_TEMPERATURE_CELSIUS, (gpu) => gpu.temperatureCelsius],
  [LLM_GPU_POWER_WATTS, (gpu) => gpu.powerWatts],
  [LLM_GPU_SM_CLOCK_HERTZ, (gpu) => gpu.smClockHertz],
];

/** The agent's metrics, gathered by one provider so the recorder takes one parameter for them. */
export interface GpuAgentMetrics {
  series: Array<{ gauge: Gauge<GpuLabelName>; value: (gpu: GpuStats) => number | null }>;
  scrapeErrors: Counter<'reason'>;
  lastSampleAge: Gauge;
  sampleDuration: Histogram;
  gpus: Gauge;
}

export const GPU_AGENT_METRICS = Symbol('GPU_AGENT_METRICS');

export const gpuAgentMetricsProvider: Provider = {
  provide: GPU_AGENT_METRICS,
  inject: [
    ...GPU_SERIES.map(([metric]) => getToken(metric)),
    getToken(LLM_GPU_AGENT_SCRAPE_ERRORS_TOTAL),
    getToken(LLM_GPU_AGENT_LAST_SAMPLE_AGE_SECONDS),
    getToken(LLM_GPU_AGENT_SAMPLE_DURATION_SECONDS),
    getToken(LLM_GPU_AGENT_GPUS),
  ],
  useFactory: (...metrics: unknown[]): GpuAgentMetrics => {
    const gauges = metrics.slice(0, GPU_SERIES.length) as Array<Gauge<GpuLabelName>>;
    const [scrapeErrors, lastSampleAge, sampleDuration, gpus] = metrics.slice(GPU_SERIES.length) as [Counter<'reason'>, Gauge, Histogram, Gauge];
    return { series: gauges.map((gauge, i) => ({ gauge, value: GPU_SERIES[i]![1] })), scrapeErrors, lastSampleAge, sampleDuration, gpus };
  },
};

/**
 * The one place where samples become metrics. Per-GPU series are rewritten whole at every sample,
 * so a GPU that disappears, a value that turns `[N/A]` and a failed sample all leave no stale
 * series behind.
 */
@Injectable()
export class GpuMetricsRecorder {
  private readonly startedAtMs: number;
  private lastGoodAtMs: number | null = null;

  constructor(
    @Inject(GPU_AGENT_METRICS) private readonly metrics: GpuAgentMetrics,
    @Inject(GPU_AGENT_CONFIG) private readonly config: GpuAgentConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.startedAtMs = clock.nowMs();
    // a new agent owns no GPU series yet (the registry outlives an app instance in tests)
    for (const { gauge } of metrics.series) gauge.reset();
    metrics.gpus.set(0);
    for (const reason of GPU_SAMPLE_ERROR_REASONS) metrics.scrapeErrors.inc({ reason }, 0);
    // the age is computed when scraped: set at sampling time it would freeze when sampling hangs
    Object.assign(metrics.lastSampleAge, {
      collect: () => metrics.lastSampleAge.set(Math.max(0, this.clock.nowMs() - (this.lastGoodAtMs ?? this.startedAtMs)) / 1000),
    });
  }

  record(reading: GpuReading, sampledAtMs: number, durationSeconds: number): void {
    this.metrics.sampleDuration.observe(durationSeconds);
    if (reading.failure) this.countError(reading.failure.reason);
    for (const { gauge, value } of this.metrics.series) {
      gauge.reset();
      for (const gpu of reading.gpus) {
        const number = value(gpu);
        if (number !== null) gauge.set(this.labelsOf(gpu), number);
      }
    }
    this.metrics.gpus.set(reading.gpus.length);
    if (reading.gpus.length > 0) this.lastGoodAtMs = sampledAtMs;
  }

  private countError(reason: GpuSampleErrorReason): void {
    this.metrics.scrapeErrors.inc({ reason });
  }

  private labelsOf(gpu: GpuStats): Record<GpuLabelName, string> {
    return { gpu_id: String(gpu.index), gpu_uuid: gpu.uuid, gpu_name: gpu.name, Hostname: this.config.GPU_AGENT_HOSTNAME };
  }
}
