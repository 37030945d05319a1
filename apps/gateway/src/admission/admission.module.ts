import { Global, Module } from '@nestjs/common';
import { ApiKeyRegistry } from '@tokenscope/config';
import { REDIS, type RedisClient } from '@tokenscope/redis';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { Admission } from './admission.js';
import { Authenticator } from './authenticator.js';
import { BudgetGuard } from './budget-guard.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { RedisSpendReader } from './redis-spend-reader.js';
import { RequestRecordWriter } from './request-record-writer.js';

@Global()
@Module({
  providers: [
    {
      provide: Admission,
      inject: [GATEWAY_CONFIG, REDIS],
      useFactory: (config: GatewayConfig, redis: RedisClient) =>
        new Admission(
          new Authenticator(ApiKeyRegistry.fromConfig(config)),
          new ConcurrencyLimiter(config.GATEWAY_MAX_CONCURRENT_REQUESTS),
          config.DAILY_BUDGET_USD === undefined
            ? undefined
            : new BudgetGuard(new RedisSpendReader(redis, config.QUEUE_PREFIX), {
                dailyBudgetUsd: config.DAILY_BUDGET_USD,
                timeZone: config.COST_TIMEZONE,
                cacheMs: config.BUDGET_CACHE_MS,
                readTimeoutMs: config.BUDGET_READ_TIMEOUT_MS,
                failMode: config.BUDGET_FAIL_MODE,
              }),
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
        ),
    },
  ],
  exports: [Admission],
})
export class AdmissionModule {}
