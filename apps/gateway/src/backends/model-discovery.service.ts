import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PriceTable } from '@tokenscope/cost';
import { SERVED_MODELS_TTL_SECONDS, servedModelsKey } from '@tokenscope/queue-contracts';
import { REDIS, type RedisClient } from '@tokenscope/redis';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { DISCOVERED_MODELS_LIMIT, ModelCatalog } from '../config/model-catalog.js';
import { PRICE_TABLE } from '../config/price-table.token.js';
import { OpenAiBackend } from './openai/openai.backend.js';

/** How long boot waits for the first model list before serving without one (readiness says so). */
const FIRST_LIST_WAIT_MS = 5000;

/**
 * Zero-config upstream: keeps the catalog equal to the models the upstream lists on
 * `GET /v1/models`, read at boot and every UPSTREAM_MODELS_REFRESH_MS. A failed read keeps the
 * last list (a model server restarting must not empty the gateway); until the first read
 * succeeds, /readyz says why and requests get 503/404.
 */
@Injectable()
export class ModelDiscovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('model-discovery');
  private timer: NodeJS.Timeout | undefined;
  private lastProblem: string | undefined = 'the upstream model list has not been read yet';

  constructor(
    private readonly catalog: ModelCatalog,
    @Inject(OpenAiBackend) private readonly openAi: OpenAiBackend | null,
    @Inject(PRICE_TABLE) private readonly prices: PriceTable,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.catalog.isDiscovering || !this.openAi) return;
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([this.refresh(), new Promise<void>((resolve) => (waited = setTimeout(resolve, FIRST_LIST_WAIT_MS)))]);
    clearTimeout(waited);
    this.timer = setInterval(() => void this.refresh(), this.config.UPSTREAM_MODELS_REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Why the gateway cannot serve yet (no model list read so far), for /readyz. */
  readinessProblem(): string | undefined {
    return this.catalog.isDiscovering && this.catalog.models.length === 0 ? this.lastProblem : undefined;
  }

  /** Tells the quality service which model names are served, so they get their own label there too. */
  private async publish(): Promise<void> {
    const key = servedModelsKey(this.config.QUEUE_PREFIX);
    try {
      await this.redis.multi().sadd(key, ...this.catalog.names).expire(key, SERVED_MODELS_TTL_SECONDS).exec();
    } catch (error) {
      // Redis away: published again with the next model list read
      this.logger.debug({ reason: (error as Error).message }, 'served models could not be published');
    }
  }

  async refresh(): Promise<void> {
    const origin = this.catalog.discoveryUpstreamUrl!;
    try {
      const listed = await this.openAi!.listModels(origin);
      if (listed.length === 0) throw new Error(`upstream ${origin} lists no model`);
      if (listed.length > DISCOVERED_MODELS_LIMIT) this.logger.warn({ listed: listed.length, served: DISCOVERED_MODELS_LIMIT }, 'upstream lists more models than the gateway serves');
      const hasChanged = this.catalog.replaceListed(listed, (name) => this.prices.pricingOf(name) ?? {});
      this.lastProblem = undefined;
      if (hasChanged) this.logger.log({ upstream: origin, models: this.catalog.names }, 'serving the models the upstream lists');
      await this.publish();
    } catch (error) {
      this.lastProblem = (error as Error).message;
      this.logger.warn({ upstream: origin, reason: this.lastProblem }, 'upstream model list could not be read');
    }
  }
}
