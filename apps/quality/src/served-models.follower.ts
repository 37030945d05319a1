import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { LabelGuard } from '@tokenscope/metrics';
import { SERVED_MODELS_LIMIT, servedModelsKey } from '@tokenscope/queue-contracts';
import { REDIS, type RedisClient } from '@tokenscope/redis';
import { QUALITY_CONFIG, type QualityConfig } from './config/quality.config.js';
import { MODEL_LABELS } from './model-labels.js';

const FOLLOW_INTERVAL_MS = 15_000;

/**
 * Gives the models a zero-config gateway discovered from its upstream (published in Redis) their
 * own `model` label here, as MODELS_FILE's models have; anything else still folds into `unknown`.
 */
@Injectable()
export class ServedModelsFollower implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('served-models');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(MODEL_LABELS) private readonly models: LabelGuard,
    @Inject(QUALITY_CONFIG) private readonly config: QualityConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.follow();
    this.timer = setInterval(() => void this.follow(), FOLLOW_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async follow(): Promise<void> {
    try {
      const names = await this.redis.srandmember(servedModelsKey(this.config.QUEUE_PREFIX), SERVED_MODELS_LIMIT);
      this.models.allow(names.filter((name) => name.length > 0 && name.length <= 128));
    } catch (error) {
      // Redis away: the labels known so far stay; the next round tries again
      this.logger.debug({ reason: (error as Error).message }, 'served models could not be read');
    }
  }
}
