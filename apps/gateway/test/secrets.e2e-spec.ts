import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { startTracing, type TracingHandle } from '@tokenscope/tracing';
import { startFakeUpstream, startRedis, waitFor, type FakeUpstream, type TestRedis } from '@tokenscope/testing';
import { startGateway, type RunningGateway } from './gateway-harness.js';

// distinctive, so that any occurrence anywhere is a leak and not a coincidence
const API_KEY = 'sk-planted-gateway-key-Q7X2';
const WRONG_KEY = 'sk-planted-wrong-key-Z9K4';
const UPSTREAM_KEY = 'sk-planted-upstream-key-M3V8';
const PROMPT = 'planted-prompt-about-project-nightingale-4411';
const SECRETS = { API_KEY, WRONG_KEY, UPSTREAM_KEY, PROMPT };

const MODEL = 'relay-model';
const ECHO_MODEL = 'echo-model';

/** Everything the gateway sent back: bodies (errors included) and headers, for leak checks. */
interface Seen {
  status: number;
  headers: string;
  body: string;
}

/**
 * An upstream that answers every request with a 400 quoting what it was sent, credentials
 * included (as some servers do in their validation errors).
 */
async function startEchoingUpstream(): Promise<{ url: string; close(): Promise<void>; server: Server }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const message = `invalid request from ${request.headers.authorization ?? 'nobody'}: ${body.slice(0, 200)}`;
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('secrets never leak from the gateway', () => {
  const exporter = new InMemorySpanExporter();
  const previousOtelDisabled = process.env.OTEL_SDK_DISABLED;
  let tracing: TracingHandle;
  let redis: TestRedis;
  let upstream: FakeUpstream;
  let echoing: Awaited<ReturnType<typeof startEchoingUpstream>>;
  let gateway: RunningGateway;
  const seen: Seen[] = [];

  beforeAll(async () => {
    // NodeSDK reads OTEL_SDK_DISABLED from process.env itself (jest.setup.mjs turns tracing off)
    delete process.env.OTEL_SDK_DISABLED;
    tracing = startTracing('gateway-secrets-test', { env: {}, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    redis = await startRedis();
    upstream = await startFakeUpstream({ tokens: 6 });
    echoing = await startEchoingUpstream();
    const modelsFile = join(mkdtempSync(join(tmpdir(), 'models-')), 'models.yaml');
    writeFileSync(
      modelsFile,
      [
        'models:',
        `  - name: ${MODEL}`,
        `    upstream_url: ${upstream.url}/v1`,
        '    price: { input_per_1k_usd: 1, output_per_1k_usd: 2 }',
        `  - name: ${ECHO_MODEL}`,
        `    upstream_url: ${echoing.url}`,
        '    price: { input_per_1k_usd: 1, output_per_1k_usd: 2 }',
      ].join('\n'),
    );
    gateway = await startGateway({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      LLM_BACKEND: 'openai',
      MODELS_FILE: modelsFile,
      UPSTREAM_API_KEY: UPSTREAM_KEY,
      UPSTREAM_TIMEOUT_MS: '1000',
      API_KEYS: `${API_KEY}:alice,sk-other-user-0002:bob`,
      LOG_LEVEL: 'debug',
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await echoing?.close();
    await redis?.stop();
    await tracing?.shutdown();
    if (previousOtelDisabled === undefined) delete process.env.OTEL_SDK_DISABLED;
    else process.env.OTEL_SDK_DISABLED = previousOtelDisabled;
  });

  /** One request; what came back is kept for the leak checks. */
  async function call(path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` }): Promise<Seen> {
    const response = await fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const answer = { status: response.status, headers: JSON.stringify([...response.headers]), body: await response.text() };
    seen.push(answer);
    return answer;
  }

  it('sends a burst of traffic: successes, 401s, 4xx, upstream failures', async () => {
    const chat = (extra: Record<string, unknown> = {}) => ({ model: MODEL, messages: [{ role: 'user', content: PROMPT }], max_tokens: 4, ...extra });
    const statuses: number[] = [];
    const record = (answer: Seen) => statuses.push(answer.status);

    // successes, plain and streamed, on the three APIs
    for (const stream of [false, true]) {
      record(await call('/v1/generate', { prompt: PROMPT, model: MODEL, max_tokens: 4, stream }));
      record(await call('/v1/chat/completions', chat({ stream, stream_options: stream ? { include_usage: true } : null })));
      record(await call('/v1/completions', { model: MODEL, prompt: PROMPT, max_tokens: 4, stream }));
    }
    // 401: no key, a wrong key (both ways of presenting it), a key in the body instead of the header
    record(await call('/v1/generate', { prompt: PROMPT, model: MODEL }, {}));
    record(await call('/v1/generate', { prompt: PROMPT, model: MODEL }, { authorization: `Bearer ${WRONG_KEY}` }));
    record(await call('/v1/chat/completions', chat(), { 'x-api-key': WRONG_KEY }));
    record(await call('/v1/generate', { prompt: PROMPT, model: MODEL, api_key: API_KEY }, {}));
    // 4xx with the secrets inside the request
    record(await call('/v1/generate', { prompt: PROMPT, model: MODEL, max_tokens: 0 }));
    record(await call('/v1/generate', { prompt: PROMPT, model: MODEL, api_key: API_KEY }));
    record(await call('/v1/generate', { prompt: PROMPT, model: `${PROMPT}-model` }));
    record(await call('/v1/chat/completions', chat({ messages: [{ role: PROMPT, content: PROMPT }] })));
    record(await call('/v1/generate', { prompt: PROMPT, model: MODEL, user: UPSTREAM_KEY.repeat(20) }));
    record(await call('/v1/generate', `{"prompt":"${PROMPT}","model":"${MODEL}",`));
    record(await call('/v1/generate', { prompt: PROMPT, model: MODEL }, { authorization: `Bearer ${API_KEY}`, 'x-request-id': `${PROMPT}:${API_KEY}` }));
    // upstream failures: 500, 429, 400, a hang past the timeout, a stream cut mid-way, an upstream quoting our key back
    for (const fault of [
      { kind: 'status', status: 500 },
      { kind: 'status', status: 429 },
      { kind: 'status', status: 400 },
      { kind: 'hang' },
    ] as const) {
      upstream.behavior.fault = fault;
      record(await call('/v1/chat/completions', chat()));
    }
    upstream.behavior.fault = { kind: 'cut', afterTokens: 2 };
    record(await call('/v1/chat/completions', chat({ stream: true })));
    upstream.behavior.fault = { kind: 'none' };
    const echoed = await call('/v1/chat/completions', { ...chat(), model: ECHO_MODEL });
    record(echoed);

    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(7);
    expect(statuses.filter((s) => s === 401)).toHaveLength(4);
    expect(statuses.filter((s) => s >= 400 && s < 500 && s !== 401).length).toBeGreaterThanOrEqual(7);
    expect(statuses.filter((s) => s >= 500)).toEqual(expect.arrayContaining([502, 504]));
    // the upstream did get its key, and quoted it back, yet the client only sees it redacted
    expect(upstream.received.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(echoed.status).toBe(400);
    expect(echoed.body).toContain('[redacted]');
    // 500, 429, the timeout and the cut stream are server-side failures (the two 400s count as rejected)
    await waitFor(() => expect(gateway.logs.withMessage('generation failed').length).toBeGreaterThanOrEqual(4));
  });

  it.each(Object.entries(SECRETS))('never shows %s in an answer, an error body or a response header', (_, secret) => {
    for (const answer of seen) {
      expect(answer.headers).not.toContain(secret);
      // the prompt is the caller's own text; even so no answer quotes it, except the upstream's echo of the 400 it was sent
      if (secret === PROMPT && answer.body.includes('[redacted]')) continue;
      expect(answer.body).not.toContain(secret);
    }
  });

  it.each(Object.entries(SECRETS))('never writes %s to the logs (LOG_PROMPTS off)', (_, secret) => {
    expect(gateway.logs.raw.length).toBeGreaterThan(10);
    expect(gateway.logs.raw.join('\n')).not.toContain(secret);
  });

  it.each(Object.entries(SECRETS))('never exposes %s on /metrics, in either format', async (_, secret) => {
    const plain = await (await fetch(`${gateway.url}/metrics`)).text();
    const openMetrics = await (await fetch(`${gateway.url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text();
    expect(plain).toMatch(/llm_requests_total\{model="relay-model",status="success"\} [1-9]/);
    expect(plain).not.toContain(secret);
    expect(openMetrics).not.toContain(secret);
  });

  it.each(Object.entries(SECRETS))('never puts %s in a span: names, attributes, events, status', async (_, secret) => {
    await waitFor(() => expect(exporter.getFinishedSpans().filter((s) => s.name === 'llm_generate').length).toBeGreaterThanOrEqual(7));
    const spans = exporter.getFinishedSpans();
    const exported = JSON.stringify(
      spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, links: s.links, resource: s.resource.attributes })),
    );
    expect(exported).not.toContain(secret);
  });
});
