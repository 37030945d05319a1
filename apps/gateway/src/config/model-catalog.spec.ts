import { DISCOVERED_MODELS_LIMIT, ModelCatalog } from './model-catalog.js';

describe(ModelCatalog.name, () => {
  const noPrice = () => ({});

  it('follows the models its upstream lists, in the upstream order, and tells its listeners once per change', () => {
    const catalog = ModelCatalog.discovering('http://vllm:8000/v1/');
    const seen: string[][] = [];
    catalog.onModels((models) => seen.push(models.map((m) => m.name)));
    expect(catalog.defaultModel).toBeUndefined();
    expect(catalog.replaceListed([{ id: 'b', maxModelLength: 8192 }, { id: 'a', maxModelLength: undefined }], noPrice)).toBe(true);
    expect(catalog.replaceListed([{ id: 'b', maxModelLength: 8192 }, { id: 'a', maxModelLength: undefined }], noPrice)).toBe(false);
    expect(seen).toEqual([[], ['b', 'a']]);
    expect(catalog.defaultModel?.name).toBe('b');
    expect(catalog.get('b')).toMatchObject({ backend: 'openai', upstreamUrl: 'http://vllm:8000', upstreamHost: 'vllm:8000', upstreamModel: 'b', maxTokensLimit: 8192 });
  });

  it('serves at most DISCOVERED_MODELS_LIMIT of what an upstream lists (each is a label value)', () => {
    const catalog = ModelCatalog.discovering('http://vllm:8000');
    catalog.replaceListed(Array.from({ length: DISCOVERED_MODELS_LIMIT + 50 }, (_, i) => ({ id: `m${i}`, maxModelLength: undefined })), noPrice);
    expect(catalog.models).toHaveLength(DISCOVERED_MODELS_LIMIT);
  });

  it('refuses to follow an upstream when its models come from a file', () => {
    const catalog = ModelCatalog.resolve({ models: [{ name: 'x', max_tokens_limit: 10 }] } as never, { backend: 'simulator', upstreamUrl: undefined });
    expect(() => catalog.replaceListed([], noPrice)).toThrow(/MODELS_FILE/);
  });
});
