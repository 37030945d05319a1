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

/** One model an upstream lists on `GET /v1/models`. */
export interface ListedModel {
  id: string;
  /** vLLM's `max_model_len`, when the upstream says it. */
  maxModelLength: number | undefined;
}

/** Beyond this many listed models the rest are ignored (and logged): each one is a label value. */
export const DISCOVERED_MODELS_LIMIT = 256;
/** max_tokens limit of a discovered model whose upstream states no context length: the upstream enforces its own. */
const DISCOVERED_MAX_TOKENS_LIMIT = 1_000_000;

/**
 * The served models. Resolved once at boot from MODELS_FILE, or, with a zero-config upstream,
 * replaced whenever the upstream's model list changes (listeners learn the new names).
 */
export class ModelCatalog {
  private byName: ReadonlyMap<string, ServedModel>;
  private listed: readonly ServedModel[];
  private readonly listeners: Array<(models: readonly ServedModel[]) => void> = [];

  constructor(
    models: readonly ServedModel[],
    /** The upstream whose model list this catalog follows; undefined for a MODELS_FILE catalog. */
    readonly discoveryUpstreamUrl: string | undefined = undefined,
  ) {
    this.listed = models;
    this.byName = new Map(models.map((m) => [m.name, m]));
  }

  static resolve(file: ModelsFile, defaults: { backend: BackendKind; upstreamUrl: string | undefined }): ModelCatalog {
    const problems: string[] = [];
    const models = file.models.map((spec, index): ServedModel => {
      const backend = spec.backend ?? defaults.backend;
      const upstreamUrl = spec.upstream_url ?? defaults.upstreamUrl;
      if (backend === 'openai' && !upstreamUrl) {
        problems.push(`models.${index} (${spec.name}): an openai-backed model needs upstream_url or UPSTREAM_URL`);
      }
      return {
        name: spec.name,
        backend,
        ...upstreamOf(backend === 'openai' ? upstreamUrl : undefined),
        upstreamModel: spec.upstream_model ?? spec.name,
        maxTokensLimit: spec.max_tokens_limit,
        simulator: backend === 'simulator' ? (spec.simulator ?? DEFAULT_SIMULATOR_PROFILE) : undefined,
        pricing: modelPricing(spec),
      };
    });
    if (problems.length > 0) throw new Error(problems.join('; '));
    return new ModelCatalog(models);
  }

  /** An empty catalog that follows the models `upstreamUrl` lists (zero-config upstream). */
  static discovering(upstreamUrl: string): ModelCatalog {
    return new ModelCatalog([], upstreamOf(upstreamUrl).upstreamUrl);
  }

  get models(): readonly ServedModel[] {
    return this.listed;
  }

  /** Whether the models come from the upstream's list rather than a file. */
  get isDiscovering(): boolean {
    return this.discoveryUpstreamUrl !== undefined;
  }

  /** Replaces the served models with the upstream's list; returns whether anything changed. */
  replaceListed(listed: readonly ListedModel[], pricingOf: (name: string) => ServedModel['pricing']): boolean {
    const upstreamUrl = this.discoveryUpstreamUrl;
    if (upstreamUrl === undefined) throw new Error('a MODELS_FILE catalog does not follow an upstream');
    const models = listed.slice(0, DISCOVERED_MODELS_LIMIT).map(
      (m): ServedModel => ({
        name: m.id,
        backend: 'openai',
        ...upstreamOf(upstreamUrl),
        upstreamModel: m.id,
        maxTokensLimit: m.maxModelLength ?? DISCOVERED_MAX_TOKENS_LIMIT,
        simulator: undefined,
        pricing: pricingOf(m.id),
      }),
    );
    const isSame = models.length === this.listed.length && models.every((m, i) => m.name === this.listed[i]!.name && m.maxTokensLimit === this.listed[i]!.maxTokensLimit);
    if (isSame) return false;
    this.listed = models;
    this.byName = new Map(models.map((m) => [m.name, m]));
    for (const listener of this.listeners) listener(models);
    return true;
  }

  /** Calls `listener` with the models now and whenever they change. */
  onModels(listener: (models: readonly ServedModel[]) => void): void {
    this.listeners.push(listener);
    listener(this.listed);
  }

  get(name: string): ServedModel | undefined {
    return this.byName.get(name);
  }

  /** The model used when a /v1/generate request names none: the first in the file or in the upstream's list. */
  get defaultModel(): ServedModel | undefined {
    return this.listed[0];
  }

  get names(): string[] {
    return this.listed.map((m) => m.name);
  }
}

/** An upstream's base URL without a trailing /v1 (the backend adds the paths), and its host:port. */
function upstreamOf(url: string | undefined): { upstreamUrl: string | undefined; upstreamHost: string | undefined } {
  if (!url) return { upstreamUrl: undefined, upstreamHost: undefined };
  const upstreamUrl = withoutTrailingSlashes(url).replace(/\/v1$/, '');
  return { upstreamUrl, upstreamHost: new URL(upstreamUrl).host };
}

// a loop, not /\/+$/: that regex re-scans a run of slashes from each one (quadratic, recheck)
function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return url.slice(0, end);
}
