import { parseModelList } from './openai.backend.js';

describe(parseModelList.name, () => {
  it("keeps the upstream's order and vLLM's context length, and skips ids it cannot serve", () => {
    const text = JSON.stringify({
      object: 'list',
      data: [
        { id: 'meta-llama/Llama-3.1-8B-Instruct', object: 'model', max_model_len: 131072 },
        { id: 'qwen3:8b', object: 'model' },
        { id: 'meta-llama/Llama-3.1-8B-Instruct', object: 'model' },
        { id: '', object: 'model' },
        { id: 'x'.repeat(129), object: 'model' },
        { object: 'model' },
        null,
      ],
    });
    expect(parseModelList(text)).toEqual([
      { id: 'meta-llama/Llama-3.1-8B-Instruct', maxModelLength: 131072 },
      { id: 'qwen3:8b', maxModelLength: undefined },
    ]);
  });

  it.each([
    ['not JSON', 'upstream says hi'],
    ['no data list', '{"object":"list"}'],
  ])('refuses an answer that is %s', (_name, text) => {
    expect(() => parseModelList(text)).toThrow(/GET \/v1\/models/);
  });
});
