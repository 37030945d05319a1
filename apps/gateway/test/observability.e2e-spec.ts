import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { startTracing, type TracingHandle } from '@tokenscope/tracing';
import { startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { jsonPost, readSse, startGateway, type RunningGateway } from './gateway-harness.js';

const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const SECRET_PROMPT = 'my-secret-prompt-about-project-falcon';

describe('logs, traces and exemplars', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: TracingHandle;
  let redis: TestRedis;
  let gateway: RunningGateway;

  beforeAll(async () => {
    // NodeSDK reads OTEL_SDK_DISABLED from process.env itself (jest.setup.mjs turns tracing off)
    delete process.env.OTEL_SDK_DISABLED;
    tracing = startTracing('gateway-test', { env: {}, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    redis = await startRedis();
    gateway = await startGateway({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix });
  });

  afterAll(async () => {
    await gateway?.close();
    await redis?.stop();
    await tracing?.shutdown();
  });

  const spansOf = (traceId: string) => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('traces a request under the caller’s trace: server span → llm_generate → tokenize, model_forward, detokenize', async () => {
    const response = await jsonPost(
      `${gateway.url}/v1/generate`,
      { prompt: 'Trace me', max_tokens: 6, model: 'sim-large' },
      { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`, 'x-request-id': 'trace-test-1' },
    );
    const body = (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    await waitFor(() => expect(spansOf(CALLER_TRACE_ID).map((s) => s.name)).toContain('POST /v1/generate'));

    const spans = spansOf(CALLER_TRACE_ID);
    const byName = (name: string) => {
      const found = spans.filter((s) => s.name === name);
      expect(found).toHaveLength(1);
      return found[0]!;
    };
    const server = byName('POST /v1/generate');
    const generate = byName('llm_generate');
    const tokenize = byName('tokenize');
    const forward = byName('model_forward');
    const detokenize = byName('detokenize');
    expect(parentOf(server)).toBe(CALLER_SPAN_ID);
    expect(parentOf(generate)).toBe(server.spanContext().spanId);
    for (const child of [tokenize, forward, detokenize]) expect(parentOf(child)).toBe(generate.spanContext().spanId);

    expect(generate.attributes).toMatchObject({
      'gen_ai.operation.name': 'text_completion',
      'gen_ai.request.model': 'sim-large',
      'gen_ai.request.max_tokens': 6,
      'gen_ai.usage.input_tokens': body.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': body.usage.completion_tokens,
      'gen_ai.response.finish_reasons': ['length'],
      'tokenscope.request_id': 'trace-test-1',
    });
    expect(server.attributes['http.response.status_code']).toBe(200);
    const firstToken = forward.events.find((e) => e.name === 'first_token');
    expect(firstToken?.attributes?.['gen_ai.server.time_to_first_token']).toBeGreaterThan(0);
  });

  it('writes one completion line per request with its ids and numbers, and no prompt or output', async () => {
    const response = await jsonPost(`${gateway.url}/v1/generate`, { prompt: SECRET_PROMPT, max_tokens: 4 }, { 'x-request-id': 'log-test-1' });
    const body = (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number }; cost_usd: number };
    // request_id is the gateway's own; the caller's id joins the logs as client_request_id
    await waitFor(() => expect(gateway.logs.withMessage('generation completed').filter((l) => l.client_request_id === 'log-test-1')).toHaveLength(1));
    const line = gateway.logs.withMessage('generation completed').find((l) => l.client_request_id === 'log-test-1')!;
    const trace = exporter.getFinishedSpans().find((s) => s.name === 'llm_generate' && s.attributes['tokenscope.request_id'] === 'log-test-1')!;
    expect(line).toMatchObject({
      level: 'info',
      service: 'gateway',
      model: 'sim-fast',
      status: 'success',
      prompt_tokens: body.usage.prompt_tokens,
      completion_tokens: body.usage.completion_tokens,
      cost_usd: body.cost_usd,
      trace_id: trace.spanContext().traceId,
      output: '[redacted]',
    });
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(line.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(line.public_id).toBeUndefined(); // the caller's id was free: the client was given it
    expect(typeof line.ttft_ms).toBe('number');
    expect(typeof line.latency_ms).toBe('number');
    expect(gateway.logs.raw.join('\n')).not.toContain(SECRET_PROMPT);
  });

  it('keeps the caller’s x-request-id when it is safe and replaces it otherwise', async () => {
    const kept = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1 }, { 'x-request-id': 'caller.id_42-A' });
    expect(kept.headers.get('x-request-id')).toBe('caller.id_42-A');
    const streamed = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 2, stream: true }, { 'x-request-id': 'stream-id-1' });
    expect(streamed.headers.get('x-request-id')).toBe('stream-id-1');
    const events = await readSse(streamed);
    expect(JSON.parse(events[0]!).id).toBe('stream-id-1');
    const replaced = await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1 }, { 'x-request-id': 'bad id with spaces' });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await replaced.json()) as { id: string }).id).toBe(replaced.headers.get('x-request-id'));
  });

  it('attaches trace-id exemplars to latency histograms when OpenMetrics is negotiated, and only then', async () => {
    await (await jsonPost(`${gateway.url}/v1/generate`, { prompt: 'exemplar', max_tokens: 3 }, { 'x-request-id': 'exemplar-1' })).text();
    const traceId = exporter.getFinishedSpans().find((s) => s.attributes['tokenscope.request_id'] === 'exemplar-1')!.spanContext().traceId;

    const openMetrics = await fetch(`${gateway.url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(openMetrics.headers.get('content-type')).toMatch(/^application\/openmetrics-text/);
    const om = await openMetrics.text();
    expect(om).toMatch(new RegExp(`llm_request_latency_seconds_bucket\\{[^}]*model="sim-fast"[^}]*\\} \\d+ # \\{trace_id="${traceId}"\\}`));
    expect(om).toMatch(new RegExp(`llm_ttft_seconds_bucket\\{[^}]*\\} \\d+ # \\{trace_id="${traceId}"\\}`));
    expect(om.trimEnd().endsWith('# EOF')).toBe(true);

    const plain = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(plain).not.toContain('# {trace_id=');
    expect(plain).toMatch(/^# TYPE llm_requests_total counter$/m);
    expect(plain).toMatch(/^llm_requests_total\{model="sim-fast",status="success"\} \d+$/m);
  });
});
