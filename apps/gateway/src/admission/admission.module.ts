import { Global, Logger, Module } from '@nestjs/common';
import { ApiKeyRegistry } from '@tokenscope/config';
import { LLM_LIMIT_CHECK_FAILURES_TOTAL, SHARED_LIMITS } from '@tokenscope/metrics';
import { REDIS, type RedisClient } from '@tokenscope/redis';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { Admission } from './admission.js';
import { Authenticator } from './authenticator.js';
import { BudgetGuard } from './budget-guard.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { RateLimiter } from './rate-limiter.js';
import { RedisBucketStore } from './redis-bucket-store.js';
import { RedisBudgetStore } from './redis-budget-store.js';
import { RequestRecordWriter } from './request-record-writer.js';

@Global()
@Module({
  providers: [
    {
      provide: Admission,
      inject: [GATEWAY_CONFIG, REDIS, getToken(LLM_LIMIT_CHECK_FAILURES_TOTAL)],
      useFactory: (config: GatewayConfig, redis: RedisClient, checkFailures: Counter<'limit'>) => {
        const keys = ApiKeyRegistry.fromConfig(config);
        const logger = new Logger('admission');
        for (const limit of SHARED_LIMITS) checkFailures.inc({ limit }, 0);
        const failed = (limit: (typeof SHARED_LIMITS)[number]) => (error: unknown) => {
          checkFailures.inc({ limit });
          logger.warn({ limit, reason: (error as Error).message }, 'a shared limit could not be checked or settled in Redis');
        };
        const rateLimits = new RateLimiter(
          new RedisBucketStore(redis, config.QUEUE_PREFIX),
          {
            defaults: { requestsPerMinute: config.RATE_LIMIT_RPM, tokensPerMinute: config.RATE_LIMIT_TPM },
            timeoutMs: config.RATE_LIMIT_TIMEOUT_MS,
            failMode: config.RATE_LIMIT_FAIL_MODE,
          },
          failed('rate_limits'),
        );
        return new Admission(
          new Authenticator(keys),
          new ConcurrencyLimiter(config.GATEWAY_MAX_CONCURRENT_REQUESTS),
          // per-key overrides can turn limits on for some keys even with no default
          rateLimits.isEnabled || keys?.hasRateLimits ? rateLimits : undefined,
          config.DAILY_BUDGET_USD === undefined
            ? undefined
            : new BudgetGuard(
                new RedisBudgetStore(redis, config.QUEUE_PREFIX),
                {
                  dailyBudgetUsd: config.DAILY_BUDGET_USD,
                  timeZone: config.COST_TIMEZONE,
                  cacheMs: config.BUDGET_CACHE_MS,
                  readTimeoutMs: config.BUDGET_READ_TIMEOUT_MS,
                  failMode: config.BUDGET_FAIL_MODE,
                },
                Date.now,
                failed('daily_budget'),
              ),
          new RequestRecordWriter(redis, {
            prefix: config.QUEUE_PREFIX,
            timeoutMs: config.REQUEST_RECORD_TIMEOUT_MS,
            ttlSeconds: config.REQUEST_RECORD_TTL_SECONDS,
            // a claimed id must outlive its request, or another request could claim it mid-flight
            claimTtlSeconds: Math.max(config.REQUEST_RECORD_TTL_SECONDS, Math.ceil(config.GATEWAY_REQUEST_TIMEOUT_MS / 1000) + 60),
            // a record is useful only while its event can still arrive: the same count as the events
            pendingLimit: config.EVENTS_BUFFER_LIMIT,
            pendingLimitBytes: config.REQUEST_RECORDS_BUFFER_LIMIT_BYTES,
          }),
          { writeStallTimeoutMs: config.GATEWAY_WRITE_STALL_TIMEOUT_MS, requestTimeoutMs: config.GATEWAY_REQUEST_TIMEOUT_MS },
        );
      },
    },
  ],
  exports: [Admission],
})
export class AdmissionModule {}
