import { StreamAccount } from './stream-account.js';

describe(StreamAccount.name, () => {
  const chat = () => new StreamAccount('"content":"', true, true);

  it('reads a content chunk as a token with its text', () => {
    expect(chat().read('{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}')).toEqual({ kind: 'chunk', hasToken: true, text: 'Hi' });
  });

  it('counts a role-only chunk as no token', () => {
    expect(chat().read('{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}').hasToken).toBe(false);
    expect(chat().read('{"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}]}').hasToken).toBe(false);
  });

  it.each([
    ['reasoning_content', '{"choices":[{"index":0,"delta":{"reasoning_content":"hmm"}}]}'],
    ['reasoning', '{"choices":[{"index":0,"delta":{"content":"","reasoning":"hmm"}}]}'],
    ['a tool call', '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{"}}]}}]}'],
    ["older TGI's single tool call object", '{"choices":[{"index":0,"delta":{"tool_calls":{"index":0,"function":{"arguments":"{"}}}}]}'],
    ['a refusal', '{"choices":[{"index":0,"delta":{"refusal":"I cannot"}}]}'],
  ])('counts %s as a token the client sees, with no answer text', (_name, payload) => {
    expect(chat().read(payload)).toEqual({ kind: 'chunk', hasToken: true, text: '' });
  });

  it('keeps the finish reason and the usage with its cached and reasoning details', () => {
    const account = chat();
    account.read('{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}');
    const usage = account.read('{"choices":[],"usage":{"prompt_tokens":30,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":24},"completion_tokens_details":{"reasoning_tokens":5}}}');
    expect(usage.kind).toBe('usage');
    expect(account.finishReason).toBe('length');
    expect(account.usage).toEqual({ promptTokens: 30, completionTokens: 9, cachedPromptTokens: 24, reasoningTokens: 5 });
  });

  it.each([
    ["vLLM's and Ollama's", '{"error":{"message":"engine dead","type":"InternalServerError","code":500}}', 'engine dead'],
    ["older vLLM's", '{"object":"error","message":"engine dead","type":"InternalServerError","code":500}', 'engine dead'],
    ["TGI's", '{"error":"CUDA out of memory","error_type":"generation"}', 'CUDA out of memory'],
    ["llama.cpp's (as the decoder hands it over)", '{"error":{"code":500,"message":"KV cache is full","type":"server_error"}}', 'KV cache is full'],
  ])('recognises %s error event and keeps its message', (_name, payload, message) => {
    const account = chat();
    expect(account.read(payload).kind).toBe('error');
    expect(account.errorMessage).toBe(message);
  });

  it('takes only the first choice text when the client asked for several', () => {
    const account = new StreamAccount('"content":"', true, false);
    expect(account.read('{"choices":[{"index":1,"delta":{"content":"B"}}]}')).toEqual({ kind: 'chunk', hasToken: true, text: '' });
    expect(account.read('{"choices":[{"index":0,"delta":{"content":"A"}}]}').text).toBe('A');
  });

  it('relays what is not JSON without counting it', () => {
    expect(chat().read('keep-alive')).toEqual({ kind: 'chunk', hasToken: false, text: '' });
  });
});
