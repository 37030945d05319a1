import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { ModelCatalog } from '../config/model-catalog.js';
import { GenAiTelemetry } from '../genai/genai-telemetry.js';
import { TracedUpstream } from '../genai/traced-upstream.js';
import { loadTokenizer } from '../tokens/tokenizer.js';
import { BackendRouter } from './backend-router.js';
import { ModelDiscovery } from './model-discovery.service.js';
import { OpenAiBackend } from './openai/openai.backend.js';
import { FaultSwitch } from './simulator/fault-switch.js';
import { SimulatorBackend } from './simulator/simulator.backend.js';

@Injectable()
class BackendsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(OpenAiBackend) private readonly openAi: OpenAiBackend | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.openAi?.close();
  }
}

/** Builds only the backends some served model uses; the simulator's tokenizer loads at boot. */
@Module({})
export class BackendsModule {
  static forRoot(): DynamicModule {
    return {
      module: BackendsModule,
      global: true,
      providers: [
        {
          provide: FaultSwitch,
          inject: [ModelCatalog],
          useFactory: (catalog: ModelCatalog) =>
            new FaultSwitch(catalog.models.flatMap((m) => (m.simulator ? [[m.name, m.simulator.faults] as const] : []))),
        },
        {
          provide: OpenAiBackend,
          inject: [GATEWAY_CONFIG, ModelCatalog],
          useFactory: (config: GatewayConfig, catalog: ModelCatalog) => {
            const upstreams = new Set(catalog.models.flatMap((m) => (m.backend === 'openai' && m.upstreamUrl ? [m.upstreamUrl] : [])));
            if (catalog.discoveryUpstreamUrl) upstreams.add(catalog.discoveryUpstreamUrl);
            if (upstreams.size === 0) return null;
            return new OpenAiBackend([...upstreams], {
              apiKey: config.UPSTREAM_API_KEY,
              timeoutMs: config.UPSTREAM_TIMEOUT_MS,
              connections: config.UPSTREAM_CONNECTIONS,
              responseLimitBytes: config.UPSTREAM_RESPONSE_LIMIT_BYTES,
            });
          },
        },
        {
          provide: SimulatorBackend,
          inject: [GATEWAY_CONFIG, ModelCatalog, FaultSwitch],
          useFactory: async (config: GatewayConfig, catalog: ModelCatalog, faults: FaultSwitch) => {
            if (!catalog.models.some((m) => m.backend === 'simulator')) return null;
            return new SimulatorBackend(await loadTokenizer(), faults, {
              seed: config.SIMULATOR_SEED,
              speed: config.SIMULATOR_SPEED,
              timeoutMs: config.UPSTREAM_TIMEOUT_MS,
            });
          },
        },
        {
          provide: BackendRouter,
          inject: [SimulatorBackend, OpenAiBackend, GenAiTelemetry],
          useFactory: (simulator: SimulatorBackend | null, openai: OpenAiBackend | null, genAi: GenAiTelemetry) =>
            new BackendRouter({ ...(simulator ? { simulator } : {}), ...(openai ? { openai: new TracedUpstream(openai, genAi) } : {}) }),
        },
        BackendsLifecycle,
        ModelDiscovery,
      ],
      exports: [BackendRouter, FaultSwitch, ModelDiscovery],
    };
  }
}
