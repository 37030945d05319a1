import { type DynamicModule, Module } from '@nestjs/common';
import { LoggingModule } from '@tokenscope/logging';
import { MetricsModule, qualityMetricProviders } from '@tokenscope/metrics';
import { RedisModule } from '@tokenscope/redis';
import type { DestinationStream } from 'pino';
import { QUALITY_CONFIG, type QualityConfig } from './config/quality.config.js';
import { HealthController } from './health/health.controller.js';

export interface QualityAppOptions {
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: QualityConfig, options: QualityAppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        { module: class ConfigHolder {}, global: true, providers: [{ provide: QUALITY_CONFIG, useValue: config }], exports: [QUALITY_CONFIG] },
        LoggingModule.forRoot({
          service: 'quality',
          level: config.LOG_LEVEL,
          logPrompts: config.LOG_PROMPTS,
          ...(options.logDestination ? { destination: options.logDestination } : {}),
        }),
        MetricsModule.forRoot(qualityMetricProviders),
        RedisModule.forRoot({ url: config.REDIS_URL, connectionName: 'tokenscope-quality' }),
      ],
      controllers: [HealthController],
    };
  }
}
