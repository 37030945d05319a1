import { sampleSum, startRedis, type TestRedis } from '@tokenscope/testing';
import { startGateway, type RunningGateway } from './gateway-harness.js';

interface BadRequest {
  name: string;
  path?: string;
  method?: string;
  /** A JSON value, or a raw string body when `raw` is set. */
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
  status: number;
  code: string;
  param?: string;
}

const GENERATE = '/v1/generate';
const CHAT = '/v1/chat/completions';
const COMPLETIONS = '/v1/completions';
const chat = (extra: Record<string, unknown>) => ({ model: 'sim-fast', messages: [{ role: 'user', content: 'hi' }], ...extra });

const nested = (depth: number): unknown => {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

const cases: BadRequest[] = [
  { name: 'malformed JSON', raw: '{"prompt": "hi"', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'an empty JSON body', raw: '', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a JSON array body', body: [], status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a JSON string body', body: 'hello', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'no prompt', body: {}, status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'a numeric prompt', body: { prompt: 42 }, status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'an empty prompt', body: { prompt: '' }, status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'max_tokens 0', body: { prompt: 'x', max_tokens: 0 }, status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'fractional max_tokens', body: { prompt: 'x', max_tokens: 1.5 }, status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'max_tokens as a string', body: { prompt: 'x', max_tokens: '10' }, status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: "max_tokens over the model's limit", body: { prompt: 'x', max_tokens: 100_000 }, status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'a negative temperature', body: { prompt: 'x', temperature: -0.1 }, status: 400, code: 'INVALID_REQUEST', param: 'temperature' },
  { name: 'temperature above 2', body: { prompt: 'x', temperature: 2.5 }, status: 400, code: 'INVALID_REQUEST', param: 'temperature' },
  { name: 'top_p above 1', body: { prompt: 'x', top_p: 1.2 }, status: 400, code: 'INVALID_REQUEST', param: 'top_p' },
  { name: 'stream as a string', body: { prompt: 'x', stream: 'yes' }, status: 400, code: 'INVALID_REQUEST', param: 'stream' },
  { name: 'an unknown model', body: { prompt: 'x', model: 'gpt-17' }, status: 404, code: 'MODEL_NOT_FOUND', param: 'model' },
  { name: 'a numeric model', body: { prompt: 'x', model: 5 }, status: 400, code: 'INVALID_REQUEST', param: 'model' },
  { name: 'context that is not a list', body: { prompt: 'x', context: 'doc' }, status: 400, code: 'INVALID_REQUEST', param: 'context' },
  { name: 'a context document that is not text', body: { prompt: 'x', context: ['ok', 7] }, status: 400, code: 'INVALID_REQUEST', param: 'context.1' },
  { name: 'too many context documents', body: { prompt: 'x', context: Array(65).fill('d') }, status: 400, code: 'INVALID_REQUEST', param: 'context' },
  { name: 'deeply nested context', body: { prompt: 'x', context: nested(2000) }, status: 400, code: 'INVALID_REQUEST', param: 'context.0' },
  { name: 'a misspelt field', body: { prompt: 'x', max_token: 5 }, status: 400, code: 'INVALID_REQUEST', param: 'max_token' },
  { name: 'a user id over 256 characters', body: { prompt: 'x', user: 'u'.repeat(300) }, status: 400, code: 'INVALID_REQUEST', param: 'user' },
  { name: 'five stop sequences', body: { prompt: 'x', stop: ['a', 'b', 'c', 'd', 'e'] }, status: 400, code: 'INVALID_REQUEST', param: 'stop' },
  { name: 'an x-user-id header over 256 characters', body: { prompt: 'x' }, headers: { 'x-user-id': 'u'.repeat(300) }, status: 400, code: 'INVALID_REQUEST', param: 'x-user-id' },
  { name: 'a __proto__ key', raw: '{"prompt":"x","__proto__":{"isAdmin":true}}', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a constructor.prototype key', raw: '{"prompt":"x","constructor":{"prototype":{"isAdmin":true}}}', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a body over 1 MiB', body: { prompt: 'x'.repeat(1_100_000) }, status: 413, code: 'BODY_TOO_LARGE', param: 'body' },
  { name: 'a text/plain body', raw: 'prompt=hi', headers: { 'content-type': 'text/plain' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', param: 'content-type' },
  { name: 'chat without messages', path: CHAT, body: { model: 'sim-fast' }, status: 400, code: 'INVALID_REQUEST', param: 'messages' },
  { name: 'chat with no message', path: CHAT, body: chat({ messages: [] }), status: 400, code: 'INVALID_REQUEST', param: 'messages' },
  { name: 'chat with an unknown role', path: CHAT, body: chat({ messages: [{ role: 'wizard', content: 'hi' }] }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0.role' },
  {
    name: 'chat with an image part',
    path: CHAT,
    body: chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x' } }] }] }),
    status: 400,
    code: 'INVALID_REQUEST',
    param: 'messages.0.content',
  },
  { name: 'chat asking for n=2', path: CHAT, body: chat({ n: 2 }), status: 400, code: 'INVALID_REQUEST', param: 'n' },
  { name: 'chat without a model', path: CHAT, body: { messages: [{ role: 'user', content: 'hi' }] }, status: 400, code: 'INVALID_REQUEST', param: 'model' },
  { name: 'chat with an unknown model', path: CHAT, body: chat({ model: 'nope' }), status: 404, code: 'MODEL_NOT_FOUND', param: 'model' },
  { name: 'chat with unknown stream_options', path: CHAT, body: chat({ stream_options: { include_usage: true, x: 1 } }), status: 400, code: 'INVALID_REQUEST', param: 'stream_options.x' },
  { name: 'completions with two prompts', path: COMPLETIONS, body: { model: 'sim-fast', prompt: ['a', 'b'] }, status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'completions with echo', path: COMPLETIONS, body: { model: 'sim-fast', prompt: 'a', echo: true }, status: 400, code: 'INVALID_REQUEST', param: 'echo' },
  { name: 'completions with max_tokens -1', path: COMPLETIONS, body: { model: 'sim-fast', prompt: 'a', max_tokens: -1 }, status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'a GET on a POST route', path: GENERATE, method: 'GET', status: 404, code: 'NOT_FOUND' },
  { name: 'an unknown route', path: '/v1/embeddings', body: { input: 'x' }, status: 404, code: 'NOT_FOUND' },
];

const isGenerationRequest = (c: BadRequest) => (c.method ?? 'POST') === 'POST' && [GENERATE, CHAT, COMPLETIONS].includes(c.path ?? GENERATE);

describe('bad requests', () => {
  let redis: TestRedis;
  let gateway: RunningGateway;

  beforeAll(async () => {
    redis = await startRedis();
    gateway = await startGateway({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix });
  });

  afterAll(async () => {
    await gateway?.close();
    await redis?.stop();
  });

  it(`has at least 30 cases`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('answers $name with $status $code naming $param', async (c) => {
    const method = c.method ?? 'POST';
    const headers: Record<string, string> = { ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...c.headers };
    const body = method === 'GET' ? undefined : (c.raw ?? JSON.stringify(c.body));
    const response = await fetch(`${gateway.url}${c.path ?? GENERATE}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    expect(response.status).toBe(c.status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const payload = JSON.parse(text) as { error: { code: string; message: string; param: string | null; type: string } };
    expect(payload.error.code).toBe(c.code);
    if (c.param !== undefined) expect(payload.error.param).toBe(c.param);
    expect(payload.error.message.length).toBeGreaterThan(0);
    // nothing internal leaks: no stack frames, no file paths
    expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|\.js:\d+/);
  });

  it('counts every refused generation request once as rejected, and nothing else', async () => {
    const before = sampleSum(await gateway.metrics(), 'llm_requests_total', { status: 'rejected' });
    const generationCases = cases.filter(isGenerationRequest);
    for (const c of cases) {
      const method = c.method ?? 'POST';
      const headers: Record<string, string> = { ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...c.headers };
      const body = method === 'GET' ? undefined : (c.raw ?? JSON.stringify(c.body));
      await (await fetch(`${gateway.url}${c.path ?? GENERATE}`, { method, headers, ...(body !== undefined ? { body } : {}) })).text();
    }
    const after = await gateway.metrics();
    expect(sampleSum(after, 'llm_requests_total', { status: 'rejected' }) - before).toBe(generationCases.length);
    expect(sampleSum(after, 'llm_requests_total', { status: 'success' })).toBe(0);
    // labels never take the requested name: unknown models are counted as `unknown`
    expect([...after.keys()].some((k) => k.includes('gpt-17') || k.includes('"nope"'))).toBe(false);
  });

  it('still serves after all of that', async () => {
    const response = await fetch(`${gateway.url}${GENERATE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"ok","max_tokens":3}' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(3);
  });
});
