import { Module } from '@nestjs/common';
import { REDIS, type RedisClient } from '@tokenscope/redis';
import { CLOCK, type Clock } from '../clock.js';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import { WindowModule } from '../window/window.module.js';
import { BUILT_CONSOLE_DIR, ConsoleAssets } from './console-assets.js';
import { ConsoleAccessController, ConsoleApiController, ConsolePageController } from './console.controller.js';
import { ConsoleRedisReader } from './console-redis-reader.js';
import { ConsoleService } from './console.service.js';
import { REQUEST_LOG, RedisRequestLog } from './request-log.js';
import { RequestLogWriter } from './request-log.writer.js';

/** The console: its page, its JSON API, and the shared list of recent requests behind them. */
@Module({
  imports: [WindowModule],
  controllers: [ConsoleAccessController, ConsoleApiController, ConsolePageController],
  providers: [
    {
      provide: REQUEST_LOG,
      inject: [REDIS, QUALITY_CONFIG, CLOCK],
      useFactory: (redis: RedisClient, config: QualityConfig, clock: Clock) =>
        new RedisRequestLog(
          redis,
          {
            prefix: config.QUEUE_PREFIX,
            maxEntries: config.CONSOLE_REQUESTS_LIMIT,
            maxBytes: config.CONSOLE_REQUESTS_MAX_BYTES,
            maxAgeMs: config.CONSOLE_REQUESTS_MAX_AGE_SECONDS * 1000,
          },
          () => clock.now(),
        ),
    },
    { provide: ConsoleRedisReader, inject: [REDIS, QUALITY_CONFIG], useFactory: (redis: RedisClient, config: QualityConfig) => new ConsoleRedisReader(redis, config.QUEUE_PREFIX) },
    { provide: ConsoleAssets, inject: [QUALITY_CONFIG], useFactory: (config: QualityConfig) => ConsoleAssets.load(config.CONSOLE_ASSETS_DIR ?? BUILT_CONSOLE_DIR) },
    ConsoleService,
    RequestLogWriter,
  ],
  exports: [RequestLogWriter],
})
export class ConsoleModule {}
