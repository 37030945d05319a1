import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { discoversUpstreamModels, loadPricesFile, loadServedModels, priceTableOf } from '@tokenscope/config';
import { LoggingModule } from '@tokenscope/logging';
import { gatewayMetricProviders, MetricsModule } from '@tokenscope/metrics';
import { RedisModule } from '@tokenscope/redis';
import type { DestinationStream } from 'pino';
import { AdmissionModule } from './admission/admission.module.js';
import { BackendsModule } from './backends/backends.module.js';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config.js';
import { ModelCatalog } from './config/model-catalog.js';
import { GenAiModule } from './genai/genai.module.js';
import { GenerationModule } from './generation/generation.module.js';
import { PRICE_TABLE } from './config/price-table.token.js';
import { GenerationRequestParser } from './generation/request-parser.js';
import { HealthModule } from './health/health.module.js';
import { ApiExceptionFilter } from './http/api-exception.filter.js';
import { SimulatorAdminModule } from './simulator-admin/simulator-admin.module.js';

export interface GatewayAppOptions {
  /** Where log lines go (stdout by default). */
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, options: GatewayAppOptions = {}): DynamicModule {
    const prices = config.PRICES_FILE ? loadPricesFile(config.PRICES_FILE) : undefined;
    if (config.LLM_BACKEND === 'openai' && !config.UPSTREAM_URL && !config.MODELS_FILE) {
      throw new Error('LLM_BACKEND=openai needs UPSTREAM_URL (the OpenAI-compatible server whose models to serve) or a MODELS_FILE');
    }
    // zero-config upstream: the models are whatever UPSTREAM_URL lists; else MODELS_FILE or the bundled simulator models
    const modelsFile = discoversUpstreamModels(config) ? undefined : loadServedModels(config.MODELS_FILE);
    const catalog = modelsFile
      ? ModelCatalog.resolve(modelsFile, { backend: config.LLM_BACKEND, upstreamUrl: config.UPSTREAM_URL })
      : ModelCatalog.discovering(config.UPSTREAM_URL!);
    const hasSimulator = catalog.models.some((m) => m.backend === 'simulator');
    return {
      module: AppModule,
      imports: [
        {
          module: class ConfigHolder {},
          global: true,
          providers: [
            { provide: GATEWAY_CONFIG, useValue: config },
            { provide: ModelCatalog, useValue: catalog },
            { provide: PRICE_TABLE, useValue: priceTableOf(modelsFile, prices) },
            { provide: GenerationRequestParser, useValue: new GenerationRequestParser(catalog, config.GATEWAY_MAX_TOKENS_DEFAULT) },
          ],
          exports: [GATEWAY_CONFIG, ModelCatalog, PRICE_TABLE, GenerationRequestParser],
        },
        LoggingModule.forRoot({
          service: 'gateway',
          level: config.LOG_LEVEL,
          logPrompts: config.LOG_PROMPTS,
          format: config.LOG_FORMAT,
          ...(options.logDestination ? { destination: options.logDestination } : {}),
        }),
        MetricsModule.forRoot(gatewayMetricProviders, config),
        RedisModule.forRoot({ settings: config, connectionName: 'tokenscope-gateway' }),
        GenAiModule,
        BackendsModule.forRoot(),
        AdmissionModule,
        HealthModule,
        GenerationModule,
        ...(hasSimulator && config.SIMULATOR_ADMIN ? [SimulatorAdminModule] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
    };
  }
}
