import { Module } from '@nestjs/common';
import { GPU_AGENT_CONFIG, type GpuAgentConfig } from '../config/gpu-agent.config.js';
import { PublishingModule } from '../publishing/publishing.module.js';
import { gpuAgentMetricsProvider, GpuMetricsRecorder } from './gpu-metrics.recorder.js';
import { GPU_READER } from './gpu-reader.js';
import { GpuSamplingScheduler } from './gpu-sampling.scheduler.js';
import { GpuSamplingService } from './gpu-sampling.service.js';
import { NvidiaSmiReader } from './nvidia-smi.reader.js';
import { SamplerHealth } from './sampler-health.js';

/** Reads the GPUs on a schedule and turns each reading into metrics, a published sample and readiness. */
@Module({
  imports: [PublishingModule],
  providers: [
    {
      provide: GPU_READER,
      inject: [GPU_AGENT_CONFIG],
      useFactory: (config: GpuAgentConfig) =>
        new NvidiaSmiReader({
          command: config.GPU_AGENT_NVIDIA_SMI,
          timeoutMs: config.GPU_AGENT_TIMEOUT_MS,
          readsProcesses: config.GPU_AGENT_PROCESSES,
        }),
    },
    {
      provide: SamplerHealth,
      inject: [GPU_AGENT_CONFIG],
      // two missed intervals plus one slow sample: later than that, sampling has stalled
      useFactory: (config: GpuAgentConfig) => new SamplerHealth(2 * config.GPU_AGENT_INTERVAL_MS + config.GPU_AGENT_TIMEOUT_MS),
    },
    gpuAgentMetricsProvider,
    GpuMetricsRecorder,
    GpuSamplingService,
    GpuSamplingScheduler,
  ],
  exports: [SamplerHealth, GpuSamplingService],
})
export class SamplingModule {}
