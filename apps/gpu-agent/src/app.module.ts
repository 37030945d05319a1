import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LifecycleModule } from '@tokenscope/app-runtime';
import { LoggingModule } from '@tokenscope/logging';
import { MetricsModule, gpuAgentMetricProviders } from '@tokenscope/metrics';
import { RedisModule } from '@tokenscope/redis';
import type { DestinationStream } from 'pino';
import { GPU_AGENT_CONFIG, type GpuAgentConfig } from './config/gpu-agent.config.js';
import { HealthController } from './health/health.controller.js';
import { CLOCK, systemClock, type Clock } from './sampling/clock.js';
import { SamplingModule } from './sampling/sampling.module.js';

export interface GpuAgentAppOptions {
  logDestination?: DestinationStream;
  /** Time source (tests pass a controllable one). */
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot(config: GpuAgentConfig, options: GpuAgentAppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LifecycleModule,
        {
          module: class ConfigHolder {},
          global: true,
          providers: [
            { provide: GPU_AGENT_CONFIG, useValue: config },
            { provide: CLOCK, useValue: options.clock ?? systemClock },
          ],
          exports: [GPU_AGENT_CONFIG, CLOCK],
        },
        LoggingModule.forRoot({
          service: 'gpu-agent',
          level: config.LOG_LEVEL,
          logPrompts: config.LOG_PROMPTS,
          format: config.LOG_FORMAT,
          ...(options.logDestination ? { destination: options.logDestination } : {}),
        }),
        MetricsModule.forRoot(gpuAgentMetricProviders, config),
        RedisModule.forRoot({ settings: config, connectionName: 'tokenscope-gpu-agent' }),
        ScheduleModule.forRoot(),
        SamplingModule,
      ],
      controllers: [HealthController],
    };
  }
}
