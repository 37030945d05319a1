import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LifecycleModule } from '@tokenscope/app-runtime';
import { ApiKeyRegistry, loadPricesFile, loadServedModels, priceTableOf } from '@tokenscope/config';
import { LoggingModule } from '@tokenscope/logging';
import { LabelGuard, MetricsModule, qualityMetricProviders } from '@tokenscope/metrics';
import { REDIS, RedisModule, type RedisClient } from '@tokenscope/redis';
import type { DestinationStream } from 'pino';
import { CLOCK, type Clock, systemClock } from './clock.js';
import { QUALITY_CONFIG, type QualityConfig } from './config/quality.config.js';
import { ConsoleModule } from './console/console.module.js';
import { ConsumerModule } from './consumer/consumer.module.js';
import { DEFAULT_GROUNDEDNESS, GroundednessDetector } from './detectors/groundedness-detector.js';
import { QUALITY_DETECTORS, type QualityDetector } from './detectors/quality-detector.js';
import { RefusalDetector } from './detectors/refusal-detector.js';
import { FeedbackModule } from './feedback/feedback.module.js';
import { GpuCostModule } from './gpu-cost/gpu-cost.module.js';
import { HealthController } from './health/health.controller.js';
import { JudgeModule } from './judge/judge.module.js';
import { ApiKeyGuard, ApiKeys } from './http/api-keys.js';
import { QualityExceptionFilter } from './http/quality-exception.filter.js';
import { GaugesModule } from './metrics/gauges.module.js';
import { MODEL_LABELS } from './model-labels.js';
import { ServedModelsFollower } from './served-models.follower.js';
import { SpendModule } from './spend/spend.module.js';
import { QUALITY_STORE, RedisQualityStore } from './store/quality-store.js';
import { WindowModule } from './window/window.module.js';

export interface QualityAppOptions {
  logDestination?: DestinationStream;
  /** Where "now" comes from (tests cross midnight with a fake clock). */
  clock?: Clock;
  /**
   * Replaces the detectors run on every successful generation (default: refusal patterns and
   * lexical groundedness); how a judge model is plugged in (docs/quality.md).
   */
  detectors?: (config: QualityConfig) => QualityDetector[];
  /** Where the judge's sampling draws come from (default Math.random). */
  judgeRandom?: () => number;
}

/** The built-in detectors, configured from the validated config. */
export function defaultDetectors(config: QualityConfig): QualityDetector[] {
  return [
    new RefusalDetector(),
    new GroundednessDetector({
      ...DEFAULT_GROUNDEDNESS,
      minSupport: config.QUALITY_GROUNDING_MIN_SUPPORT,
      maxUnsupported: config.QUALITY_GROUNDING_MAX_UNSUPPORTED,
    }),
  ];
}

@Module({})
export class AppModule {
  static forRoot(config: QualityConfig, options: QualityAppOptions = {}): DynamicModule {
    const served = loadServedModels(config.MODELS_FILE);
    const prices = config.PRICES_FILE ? loadPricesFile(config.PRICES_FILE) : undefined;
    const models = [...served.models.map((m) => m.name), ...Object.keys(prices?.prices ?? {})];
    const apiKeys = new ApiKeys(ApiKeyRegistry.fromConfig(config));
    return {
      module: AppModule,
      imports: [
        {
          module: class QualityCore {},
          global: true,
          providers: [
            { provide: QUALITY_CONFIG, useValue: config },
            { provide: CLOCK, useValue: options.clock ?? systemClock },
            { provide: MODEL_LABELS, useValue: new LabelGuard(models) },
            { provide: ApiKeys, useValue: apiKeys },
            { provide: QUALITY_DETECTORS, useValue: (options.detectors ?? defaultDetectors)(config) },
            {
              provide: QUALITY_STORE,
              inject: [REDIS],
              useFactory: (redis: RedisClient) =>
                new RedisQualityStore(redis, {
                  prefix: config.QUEUE_PREFIX,
                  windowSize: config.QUALITY_WINDOW_SIZE,
                  dedupTtlSeconds: config.QUALITY_DEDUP_TTL_SECONDS,
                  feedbackTtlSeconds: config.QUALITY_FEEDBACK_TTL_SECONDS,
                }),
            },
            ApiKeyGuard,
          ],
          exports: [QUALITY_CONFIG, CLOCK, MODEL_LABELS, ApiKeys, QUALITY_DETECTORS, QUALITY_STORE, ApiKeyGuard],
        },
        LoggingModule.forRoot({
          service: 'quality',
          level: config.LOG_LEVEL,
          logPrompts: config.LOG_PROMPTS,
          format: config.LOG_FORMAT,
          ...(options.logDestination ? { destination: options.logDestination } : {}),
        }),
        LifecycleModule,
        MetricsModule.forRoot(qualityMetricProviders, config),
        RedisModule.forRoot({ settings: config, connectionName: 'tokenscope-quality' }),
        JudgeModule.forRoot(priceTableOf(served, prices), options.judgeRandom),
        ConsumerModule,
        GpuCostModule.forRoot(priceTableOf(served, prices)),
        FeedbackModule,
        WindowModule,
        SpendModule,
        GaugesModule,
        ConsoleModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: QualityExceptionFilter }, ServedModelsFollower],
    };
  }
}
