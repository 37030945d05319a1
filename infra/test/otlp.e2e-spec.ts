import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort, startFakeUpstream, startRedis, type FakeUpstream, type TestRedis } from '@tokenscope/testing';
import { GENAI_HISTOGRAMS } from '@tokenscope/tracing';
import { eventually, ProcessGroup } from './support/processes.js';
import { REPO_DIR } from './support/tools.js';

/** OTLP/JSON as the SDK sends it with OTEL_EXPORTER_OTLP_PROTOCOL=http/json (only the fields read here). */
interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
  events?: Array<{ name: string; attributes: OtlpAttribute[] }>;
}
interface OtlpHistogramPoint {
  attributes: OtlpAttribute[];
  count: number | string;
  sum?: number;
  explicitBounds: number[];
}
interface OtlpMetric {
  name: string;
  unit: string;
  histogram?: { dataPoints: OtlpHistogramPoint[] };
}
interface ReceivedSpan extends OtlpSpan {
  service: string;
}

const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, CONSUMER: 5 } as const;
const PROMPT_MARKER = 'zebra-quartz-prompt-marker';
const CAPTURE_LIMIT_CHARS = 40;
const UPSTREAM_MODEL = 'upstream-model';
const UPSTREAM_TOKENS = 8;
const UPSTREAM_PROMPT_TOKENS = 11;

function value(v: OtlpValue): string | number | boolean | undefined {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.doubleValue ?? v.boolValue;
}

function attributesOf(list: OtlpAttribute[] | undefined): Record<string, string | number | boolean | undefined> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));
}

/** A real OTLP/HTTP receiver: keeps every span and every metrics export it is sent. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** The metrics of every export, newest last (cumulative temporality: the last one has it all). */
  readonly metricExports: Array<{ service: string; metrics: OtlpMetric[] }> = [];
  /** Every request body as received, to search for text that must never leave the gateway. */
  readonly rawBodies: string[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        this.rawBodies.push(text);
        const body = JSON.parse(text) as Record<string, Array<Record<string, unknown>>>;
        if (req.url === '/v1/traces') this.takeSpans(body);
        if (req.url === '/v1/metrics') this.takeMetrics(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    this.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => this.server!.once('listening', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The newest export of a service's metric. */
  metric(service: string, name: string): OtlpMetric | undefined {
    for (let i = this.metricExports.length - 1; i >= 0; i--) {
      const found = this.metricExports[i]!.service === service ? this.metricExports[i]!.metrics.find((m) => m.name === name) : undefined;
      if (found) return found;
    }
    return undefined;
  }

  private takeSpans(body: Record<string, Array<Record<string, unknown>>>): void {
    for (const rs of body.resourceSpans ?? []) {
      const service = String(attributesOf((rs.resource as { attributes: OtlpAttribute[] }).attributes)['service.name']);
      for (const ss of rs.scopeSpans as Array<{ spans: OtlpSpan[] }>) for (const span of ss.spans) this.spans.push({ ...span, service });
    }
  }

  private takeMetrics(body: Record<string, Array<Record<string, unknown>>>): void {
    for (const rm of body.resourceMetrics ?? []) {
      const service = String(attributesOf((rm.resource as { attributes: OtlpAttribute[] }).attributes)['service.name']);
      const metrics = (rm.scopeMetrics as Array<{ metrics: OtlpMetric[] }>).flatMap((sm) => sm.metrics);
      this.metricExports.push({ service, metrics });
    }
  }
}

/** The value, or a throw that makes `eventually` try again. */
function found<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('not yet');
  return value;
}

/** Data points of a histogram whose attributes include `match`, summed. */
function pointsOf(metric: OtlpMetric | undefined, match: Record<string, string | number>): { count: number; sum: number; bounds: number[][] } {
  const points = (metric?.histogram?.dataPoints ?? []).filter((p) => {
    const attributes = attributesOf(p.attributes);
    return Object.entries(match).every(([k, v]) => attributes[k] === v);
  });
  return { count: points.reduce((n, p) => n + Number(p.count), 0), sum: points.reduce((n, p) => n + (p.sum ?? 0), 0), bounds: points.map((p) => p.explicitBounds) };
}

describe('OpenTelemetry over OTLP/HTTP, from the built gateway and quality service', () => {
  const processes = new ProcessGroup();
  const receiver = new OtlpReceiver();
  let redis: TestRedis;
  let upstream: FakeUpstream;
  let upstreamPort: number;
  let gatewayUrl: string;
  let captureGatewayUrl: string;
  let unsampledGatewayUrl: string;
  let qualityUrl: string;

  beforeAll(async () => {
    for (const app of ['gateway', 'quality']) {
      if (!existsSync(join(REPO_DIR, 'apps', app, 'dist', 'main.js'))) throw new Error(`apps/${app}/dist is missing: run \`npm run build\` first`);
    }
    const endpoint = await receiver.start();
    redis = await startRedis();
    upstream = await startFakeUpstream({ tokens: UPSTREAM_TOKENS, promptTokens: UPSTREAM_PROMPT_TOKENS, models: [UPSTREAM_MODEL] });
    upstreamPort = Number(new URL(upstream.url).port);
    const [gatewayPort, capturePort, unsampledPort, qualityPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    captureGatewayUrl = `http://127.0.0.1:${capturePort}`;
    unsampledGatewayUrl = `http://127.0.0.1:${unsampledPort}`;
    qualityUrl = `http://127.0.0.1:${qualityPort}`;
    // only what the apps need: the developer's own OTEL_* settings stay out
    const appEnv = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    const gatewayEnv = { ...appEnv, GATEWAY_HOST: '127.0.0.1', LLM_BACKEND: 'openai', UPSTREAM_URL: upstream.url };
    const node = process.execPath;
    const appArgs = ['--import', './dist/otel.js', 'dist/main.js'];
    processes.start('gateway', node, appArgs, { cwd: join(REPO_DIR, 'apps', 'gateway'), env: { ...gatewayEnv, GATEWAY_PORT: String(gatewayPort) } });
    processes.start('gateway-capture', node, appArgs, {
      cwd: join(REPO_DIR, 'apps', 'gateway'),
      env: {
        ...gatewayEnv,
        GATEWAY_PORT: String(capturePort),
        OTEL_SERVICE_NAME: 'gateway-capture',
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
        GENAI_CAPTURE_CONTENT_LIMIT_CHARS: String(CAPTURE_LIMIT_CHARS),
        // this one sends no metrics: the metric checks below read one gateway's
        OTEL_METRICS_EXPORTER: 'none',
      },
    });
    processes.start('gateway-unsampled', node, appArgs, {
      cwd: join(REPO_DIR, 'apps', 'gateway'),
      env: { ...gatewayEnv, GATEWAY_PORT: String(unsampledPort), OTEL_SERVICE_NAME: 'gateway-unsampled', OTEL_TRACES_SAMPLER: 'always_off', OTEL_METRICS_EXPORTER: 'none' },
    });
    processes.start('quality', node, appArgs, { cwd: join(REPO_DIR, 'apps', 'quality'), env: { ...appEnv, QUALITY_PORT: String(qualityPort), QUALITY_HOST: '127.0.0.1' } });
    for (const url of [gatewayUrl, captureGatewayUrl, unsampledGatewayUrl, qualityUrl]) {
      await eventually(`${url}/readyz`, async () => (await fetch(`${url}/readyz`)).status === 200, processes, 30_000, 200);
    }
  });

  afterAll(async () => {
    await processes.stopAll();
    await upstream?.close();
    await redis?.stop();
    await receiver.stop();
  });

  /** The first received span that matches, waiting for the exporters' next batches. */
  const spanArriving = (what: string, matches: (span: ReceivedSpan) => boolean) =>
    eventually(what, () => found(receiver.spans.find(matches)), processes, 20_000, 100);

  const chat = (url: string, content: string, extra: Record<string, unknown> = {}) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: UPSTREAM_MODEL, messages: [{ role: 'user', content }], stream: true, ...extra }),
    });

  it('joins the gateway, its upstream call and the quality review in one trace, judged by evaluation events', async () => {
    const response = await chat(gatewayUrl, `${PROMPT_MARKER} tell me about alpha`, { context: ['alpha beta gamma delta epsilon zeta eta theta'] });
    expect(response.status).toBe(200);
    await response.text();
    const requestId = response.headers.get('x-request-id')!;

    const consumer = await spanArriving('the quality service span of the request', (s) => s.name === 'process generation-events' && attributesOf(s.attributes)['tokenscope.request_id'] === requestId);
    const trace = receiver.spans.filter((s) => s.traceId === consumer.traceId);
    const server = trace.find((s) => s.service === 'tokenscope-gateway' && s.kind === SPAN_KIND.SERVER)!;
    expect(server.name).toBe('POST /v1/chat/completions');
    const generate = trace.find((s) => s.name === 'llm_generate')!;
    expect(generate.parentSpanId).toBe(server.spanId);
    const children = trace.filter((s) => s.parentSpanId === generate.spanId);
    // no detokenize span: a relayed answer is the upstream's bytes
    expect(children.map((s) => s.name).sort()).toEqual(['chat upstream-model', 'model_forward', 'process generation-events']);

    // the upstream client span: kind CLIENT, the model server's address, and it is the parent the upstream was told of
    const client = children.find((s) => s.kind === SPAN_KIND.CLIENT)!;
    expect(attributesOf(client.attributes)).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai_compatible',
      'gen_ai.request.model': UPSTREAM_MODEL,
      'server.address': '127.0.0.1',
      'server.port': upstreamPort,
    });
    const sent = upstream.received.filter((r) => r.path === '/v1/chat/completions');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.traceparent).toBe(`00-${server.traceId}-${client.spanId}-01`);

    // the review: its span hangs under llm_generate, one evaluation event per detector that judged
    expect(consumer.kind).toBe(SPAN_KIND.CONSUMER);
    expect(consumer.service).toBe('tokenscope-quality');
    const evaluations = (consumer.events ?? []).filter((e) => e.name === 'gen_ai.evaluation.result').map((e) => attributesOf(e.attributes));
    expect(evaluations).toEqual([
      expect.objectContaining({ 'gen_ai.evaluation.name': 'refusal', 'gen_ai.evaluation.score.value': 0, 'gen_ai.evaluation.score.label': 'answer', 'gen_ai.response.id': requestId }),
      expect.objectContaining({ 'gen_ai.evaluation.name': 'groundedness', 'gen_ai.evaluation.score.label': 'grounded', 'gen_ai.response.id': requestId }),
    ]);
    expect(evaluations[1]!['gen_ai.evaluation.score.value']).toBeGreaterThan(0.5);

    // a vote: an evaluation event of its own that names the generation
    const vote = await fetch(`${qualityUrl}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request_id: requestId, thumbs_up: false }) });
    expect(vote.status).toBe(200);
    const feedback = await spanArriving('the vote span', (s) => s.name === 'feedback' && attributesOf(s.attributes)['gen_ai.response.id'] === requestId);
    // in the generation's trace, under llm_generate: the record carried its traceparent
    expect(feedback.traceId).toBe(generate.traceId);
    expect(feedback.parentSpanId).toBe(generate.spanId);
    expect((feedback.events ?? []).map((e) => attributesOf(e.attributes))).toEqual([
      { 'gen_ai.evaluation.name': 'user_feedback', 'gen_ai.evaluation.score.value': 0, 'gen_ai.evaluation.score.label': 'thumbs_down', 'gen_ai.response.id': requestId },
    ]);
  });

  it('exports the GenAI metrics with the required attributes and the advised buckets', async () => {
    upstream.behavior.fault = { kind: 'status', status: 500 };
    try {
      expect((await chat(gatewayUrl, `${PROMPT_MARKER} this one fails`)).status).toBe(502);
    } finally {
      upstream.behavior.fault = { kind: 'none' };
    }
    const model = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai_compatible',
      'gen_ai.request.model': UPSTREAM_MODEL,
      'gen_ai.response.model': UPSTREAM_MODEL,
      'server.address': '127.0.0.1',
      'server.port': upstreamPort,
    };
    // the previous test's request succeeded, this one failed: both are in the cumulative export
    await eventually(
      'both requests in the exported request durations',
      () => pointsOf(receiver.metric('tokenscope-gateway', 'gen_ai.server.request.duration'), model).count === 2,
      processes,
      10_000,
      100,
    );
    const metric = (name: string) => receiver.metric('tokenscope-gateway', name);
    for (const [name, spec] of Object.entries(GENAI_HISTOGRAMS)) {
      expect(metric(name)?.unit).toBe(spec.unit);
      for (const point of metric(name)!.histogram!.dataPoints) expect(point.explicitBounds).toEqual(spec.boundaries);
    }
    expect(GENAI_HISTOGRAMS['gen_ai.server.time_to_first_token'].boundaries[0]).toBe(0.001);

    expect(pointsOf(metric('gen_ai.server.request.duration'), { ...model, 'error.type': 'UPSTREAM_ERROR' }).count).toBe(1);
    expect(pointsOf(metric('gen_ai.server.time_to_first_token'), model).count).toBe(1);
    expect(pointsOf(metric('gen_ai.server.time_per_output_token'), model).count).toBe(1);
    expect(pointsOf(metric('gen_ai.client.token.usage'), { ...model, 'gen_ai.token.type': 'input' })).toMatchObject({ count: 1, sum: UPSTREAM_PROMPT_TOKENS });
    expect(pointsOf(metric('gen_ai.client.token.usage'), { ...model, 'gen_ai.token.type': 'output' })).toMatchObject({ count: 1, sum: UPSTREAM_TOKENS });
    const calls = metric('gen_ai.client.operation.duration');
    expect(pointsOf(calls, model).count).toBe(2);
    expect(pointsOf(calls, { ...model, 'error.type': 'UPSTREAM_ERROR' }).count).toBe(1);
    // without OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental the renamed attribute is sent under its old name too
    expect(pointsOf(calls, { ...model, 'gen_ai.system': 'openai_compatible' }).count).toBe(2);
  });

  it('sends nothing of a prompt or an answer while content capture is off', async () => {
    // let the last batches leave the gateway first
    await new Promise((resolve) => setTimeout(resolve, 500));
    const everything = receiver.rawBodies.filter((b) => !b.includes('gateway-capture')).join('\n');
    expect(everything).toContain('llm_generate');
    expect(everything).not.toContain(PROMPT_MARKER);
    expect(everything).not.toContain(' alpha beta');
    expect(everything).not.toContain('gen_ai.input.messages');
  });

  it('with capture on, puts the messages on llm_generate, cut to the limit and without credentials', async () => {
    const secret = 'sk-abcdefghijklmnopqrstuvwxyz012345';
    const response = await chat(captureGatewayUrl, `use ${secret} ${PROMPT_MARKER} and then a long tail of words that the limit cuts off`);
    expect(response.status).toBe(200);
    await response.text();
    const generate = await spanArriving('the capture gateway span', (s) => s.service === 'gateway-capture' && s.name === 'llm_generate');
    const attributes = attributesOf(generate.attributes);
    const input = JSON.parse(String(attributes['gen_ai.input.messages'])) as Array<{ role: string; parts: Array<{ type: string; content: string }> }>;
    expect(input).toEqual([{ role: 'user', parts: [{ type: 'text', content: `use [redacted] ${PROMPT_MARKER}`.slice(0, CAPTURE_LIMIT_CHARS) }] }]);
    const output = JSON.parse(String(attributes['gen_ai.output.messages'])) as Array<{ role: string; parts: Array<{ content: string }>; finish_reason: string }>;
    expect(output).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: ' alpha beta gamma delta epsilon zeta eta theta'.slice(0, CAPTURE_LIMIT_CHARS) }], finish_reason: 'stop' }]);
    expect(receiver.rawBodies.join('\n')).not.toContain(secret);
  });

  describe('exemplars point only at sampled traces', () => {
    const openMetrics = async (url: string) => (await fetch(`${url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text();
    const exemplarTraceIds = (text: string) => [...text.matchAll(/^llm_request_latency_seconds_bucket\{.*# \{trace_id="([0-9a-f]{32})"\}/gm)].map((m) => m[1]);

    it("follows the caller's sampling decision (parentbased): a trace the caller did not sample gets no exemplar", async () => {
      const unsampledTraceId = '5bf92f3577b34da6a3ce929d0e0e4736';
      const sampledTraceId = '6bf92f3577b34da6a3ce929d0e0e4736';
      // the unsampled one last: prom-client keeps the newest exemplar of a bucket, and both land in the same ones
      for (const [traceId, flags] of [[sampledTraceId, '01'], [unsampledTraceId, '00']] as const) {
        const response = await fetch(`${gatewayUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-${flags}` },
          body: JSON.stringify({ model: UPSTREAM_MODEL, messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(response.status).toBe(200);
        await response.text();
      }
      const exemplars = exemplarTraceIds(await openMetrics(gatewayUrl));
      expect(exemplars).toContain(sampledTraceId);
      expect(exemplars).not.toContain(unsampledTraceId);
    });

    it('honours OTEL_TRACES_SAMPLER: with always_off no span leaves and no exemplar is written', async () => {
      const response = await chat(unsampledGatewayUrl, 'not sampled');
      expect(response.status).toBe(200);
      await response.text();
      const text = await openMetrics(unsampledGatewayUrl);
      expect(text).toMatch(/^llm_request_latency_seconds_count\{model="upstream-model"\} 1$/m);
      expect(exemplarTraceIds(text)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.spans.filter((s) => s.service === 'gateway-unsampled')).toEqual([]);
    });
  });
});
