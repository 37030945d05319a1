import { type DynamicModule, Module } from '@nestjs/common';
import type { PriceTable } from '@tokenscope/cost';
import { REDIS, type RedisClient } from '@tokenscope/redis';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import { GPU_COST_LEDGER, RedisGpuCostLedger } from '../store/gpu-cost-ledger.js';
import { GpuCostRecorder } from './gpu-cost.recorder.js';
import { GpuCostService } from './gpu-cost.service.js';
import { GpuSamplePricing } from './gpu-sample-pricing.js';
import { GpuSamplesConsumer } from './gpu-samples.consumer.js';

/** GPU-time cost: the GPU samples stream, priced with MODELS_FILE, booked into the cost ledger (docs/gpu-cost.md). */
@Module({})
export class GpuCostModule {
  static forRoot(prices: PriceTable): DynamicModule {
    return {
      module: GpuCostModule,
      providers: [
        { provide: GpuSamplePricing, useValue: new GpuSamplePricing(prices) },
        {
          provide: GPU_COST_LEDGER,
          inject: [REDIS, QUALITY_CONFIG],
          useFactory: (redis: RedisClient, config: QualityConfig) =>
            new RedisGpuCostLedger(redis, { prefix: config.QUEUE_PREFIX, dedupTtlSeconds: config.QUALITY_GPU_DEDUP_TTL_SECONDS }),
        },
        GpuCostRecorder,
        GpuCostService,
        GpuSamplesConsumer,
      ],
    };
  }
}
