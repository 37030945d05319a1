import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { GPU_AGENT_CONFIG, type GpuAgentConfig } from '../config/gpu-agent.config.js';
import { GPU_READER, type GpuReader } from './gpu-reader.js';
import { GpuSamplingService } from './gpu-sampling.service.js';

export const GPU_SAMPLING_INTERVAL = 'gpu-sampling';

/**
 * Samples once at boot, then every GPU_AGENT_INTERVAL_MS. The interval is a config value, so it
 * is registered with @nestjs/schedule at runtime rather than with the static @Interval decorator.
 */
@Injectable()
export class GpuSamplingScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(GPU_AGENT_CONFIG) private readonly config: GpuAgentConfig,
    @Inject(GPU_READER) private readonly reader: GpuReader,
    private readonly sampling: GpuSamplingService,
    private readonly registry: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    // not awaited: a hanging nvidia-smi must not hold up the HTTP server (healthz, readyz, metrics)
    void this.sampling.tick();
    this.registry.addInterval(
      GPU_SAMPLING_INTERVAL,
      setInterval(() => void this.sampling.tick(), this.config.GPU_AGENT_INTERVAL_MS),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', GPU_SAMPLING_INTERVAL)) this.registry.deleteInterval(GPU_SAMPLING_INTERVAL);
    // kill a running nvidia-smi rather than wait out its timeout
    await this.reader.close();
    await this.sampling.idle();
  }
}
