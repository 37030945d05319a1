import { type DynamicModule, Module } from '@nestjs/common';
import type { PriceTable } from '@tokenscope/cost';
import { REDIS, type RedisClient } from '@tokenscope/redis';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import { GatewayJudgeClient } from './judge-client.js';
import { RedisJudgeBudget } from './judge-budget.js';
import { JudgeRecorder } from './judge.recorder.js';
import { JUDGE_BUDGET, JUDGE_CLIENT, JUDGE_PRICES, JUDGE_RANDOM, JudgeService } from './judge.service.js';

/** The LLM-as-judge detector (off unless QUALITY_JUDGE_MODEL is set). */
@Module({})
export class JudgeModule {
  static forRoot(prices: PriceTable, random: () => number = Math.random): DynamicModule {
    return {
      module: JudgeModule,
      global: true,
      providers: [
        { provide: JUDGE_PRICES, useValue: prices },
        { provide: JUDGE_RANDOM, useValue: random },
        {
          provide: JUDGE_CLIENT,
          inject: [QUALITY_CONFIG],
          useFactory: (config: QualityConfig) =>
            config.QUALITY_JUDGE_MODEL
              ? new GatewayJudgeClient({
                  gatewayUrl: config.QUALITY_JUDGE_GATEWAY_URL,
                  model: config.QUALITY_JUDGE_MODEL,
                  apiKey: config.QUALITY_JUDGE_API_KEY,
                  user: config.QUALITY_JUDGE_USER,
                  timeoutMs: config.QUALITY_JUDGE_TIMEOUT_MS,
                })
              : undefined,
        },
        {
          provide: JUDGE_BUDGET,
          inject: [QUALITY_CONFIG, REDIS],
          useFactory: (config: QualityConfig, redis: RedisClient) => (config.QUALITY_JUDGE_MODEL ? new RedisJudgeBudget(redis, config.QUEUE_PREFIX, config.QUALITY_JUDGE_DAILY_BUDGET_USD) : undefined),
        },
        JudgeRecorder,
        JudgeService,
      ],
      exports: [JudgeService],
    };
  }
}
