import { modelPricing, type ModelsFile, type SimulatorProfile } from '@tokenscope/config';
import type { ModelPricing } from '@tokenscope/cost';

export type BackendKind = 'simulator' | 'openai';

/** One model the gateway serves, with every default resolved. */
export interface ServedModel {
  name: string;
  backend: BackendKind;
  /** For openai-backed models: the upstream's base URL (without /v1). */
  upstreamUrl: string | undefined;
  /** host:port of the upstream, for span attributes. */
  upstreamHost: string | undefined;
  /** The name the backend knows the model by. */
  upstreamModel: string;
  maxTokensLimit: number;
  simulator: SimulatorProfile | undefined;
  pricing: ModelPricing;
}

const DEFAULT_SIMULATOR_PROFILE: SimulatorProfile = {
  ttft_base_ms: 60,
  prefill_ms_per_token: 0.05,
  inter_token_ms: 10,
  spread: 0.1,
  concurrency_slowdown: 0.01,
  natural_length_tokens: [40, 160],
  faults: { server_error_rate: 0, rate_limit_rate: 0, timeout_rate: 0, cut_stream_rate: 0, refusal_rate: 0, off_context_rate: 0 },
};

/** The served models, resolved once at boot; an inconsistent file stops the gateway with a clear message. */
export class ModelCatalog {
  private readonly byName: ReadonlyMap<string, ServedModel>;

  constructor(readonly models: readonly ServedModel[]) {
    this.byName = new Map(models.map((m) => [m.name, m]));
  }

  static resolve(file: ModelsFile, defaults: { backend: BackendKind; upstreamUrl: string | undefined }): ModelCatalog {
    const problems: string[] = [];
    const models = file.models.map((spec, index): ServedModel => {
      const backend = spec.backend ?? defaults.backend;
      const configuredUrl = spec.upstream_url ?? defaults.upstreamUrl;
      const upstreamUrl = configuredUrl === undefined ? undefined : withoutTrailingSlashes(configuredUrl).replace(/\/v1$/, '');
      if (backend === 'openai' && !upstreamUrl) {
        problems.push(`models.${index} (${spec.name}): an openai-backed model needs upstream_url or UPSTREAM_URL`);
      }
      return {
        name: spec.name,
        backend,
        upstreamUrl: backend === 'openai' ? upstreamUrl : undefined,
        upstreamHost: backend === 'openai' && upstreamUrl ? new URL(upstreamUrl).host : undefined,
        upstreamModel: spec.upstream_model ?? spec.name,
        maxTokensLimit: spec.max_tokens_limit,
        simulator: backend === 'simulator' ? (spec.simulator ?? DEFAULT_SIMULATOR_PROFILE) : undefined,
        pricing: modelPricing(spec),
      };
    });
    if (problems.length > 0) throw new Error(problems.join('; '));
    return new ModelCatalog(models);
  }

  get(name: string): ServedModel | undefined {
    return this.byName.get(name);
  }

  /** The model used when a /v1/generate request names none: the first in the file. */
  get defaultModel(): ServedModel {
    return this.models[0]!;
  }

  get names(): string[] {
    return this.models.map((m) => m.name);
  }
}

// a loop, not /\/+$/: that regex re-scans a run of slashes from each one (quadratic, recheck)
function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return url.slice(0, end);
}
