import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { startTracing, type TracingHandle } from '@tokenscope/tracing';
import { startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { EventQueue, generationEvent, startQuality, writeRequestRecord, type RunningQuality } from './quality-harness.js';

// distinctive, so that any occurrence anywhere is a leak and not a coincidence
const USER_KEY = 'sk-planted-quality-user-key-H4N6';
const ADMIN_KEY = 'sk-planted-quality-admin-key-P2D9';
const WRONG_KEY = 'sk-planted-quality-wrong-key-T8R1';
/** User text the service holds: generation outputs, grounding documents, feedback comments. */
const PROMPT = 'planted-text-about-project-kestrel-7720';
const SECRETS = { USER_KEY, ADMIN_KEY, WRONG_KEY, PROMPT };

interface Seen {
  status: number;
  headers: string;
  body: string;
}

describe('secrets never leak from the quality service', () => {
  const exporter = new InMemorySpanExporter();
  const previousOtelDisabled = process.env.OTEL_SDK_DISABLED;
  let tracing: TracingHandle;
  let redis: TestRedis;
  let client: Redis;
  let events: EventQueue;
  let quality: RunningQuality;
  const seen: Seen[] = [];

  beforeAll(async () => {
    // NodeSDK reads OTEL_SDK_DISABLED from process.env itself (jest.setup.mjs turns tracing off)
    delete process.env.OTEL_SDK_DISABLED;
    tracing = startTracing('quality-secrets-test', { env: {}, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    redis = await startRedis();
    client = new Redis(redis.url);
    events = new EventQueue(redis.url, redis.prefix);
    quality = await startQuality({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      API_KEYS: `${USER_KEY}:alice,sk-bob-plain-0002:bob,${ADMIN_KEY}:ops:admin`,
      LOG_LEVEL: 'debug',
    });
  });

  afterAll(async () => {
    await quality?.close();
    await events?.close();
    client?.disconnect();
    await redis?.stop();
    await tracing?.shutdown();
    if (previousOtelDisabled === undefined) delete process.env.OTEL_SDK_DISABLED;
    else process.env.OTEL_SDK_DISABLED = previousOtelDisabled;
  });

  async function call(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Seen> {
    const response = await fetch(`${quality.url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const answer = { status: response.status, headers: JSON.stringify([...response.headers]), body: await response.text() };
    seen.push(answer);
    return answer;
  }

  it('sends a burst of traffic: generation events, votes, 401s, 403s, 4xx', async () => {
    const asAlice = { authorization: `Bearer ${USER_KEY}` };
    const asOps = { 'x-api-key': ADMIN_KEY };
    const generations = Array.from({ length: 6 }, (_, i) =>
      generationEvent({ requestId: `secret-req-${i}`, userId: 'alice', output: `${PROMPT} answer ${i}.`, context: [`${PROMPT} grounding ${i}.`], costUsd: 0.01 }),
    );
    for (const event of generations) await writeRequestRecord(client, redis.prefix, event.requestId, { userId: 'alice' });
    await events.publish(...generations);
    await waitFor(() => expect(exporter.getFinishedSpans().filter((s) => s.name === 'process generation-events')).toHaveLength(6), { timeoutMs: 20_000 });

    const statuses: number[] = [];
    const record = (answer: Seen) => statuses.push(answer.status);
    // votes: accepted, and refused for every reason
    record(await call('POST', '/v1/feedback', { request_id: 'secret-req-0', thumbs_up: true, comment: PROMPT }, asAlice));
    record(await call('POST', '/v1/feedback', { request_id: 'secret-req-1', thumbs_up: false, comment: `${PROMPT} again` }, asAlice));
    record(await call('POST', '/v1/feedback', { request_id: 'secret-req-2', thumbs_up: true, comment: PROMPT }, {}));
    record(await call('POST', '/v1/feedback', { request_id: 'secret-req-2', thumbs_up: true, comment: PROMPT }, { authorization: `Bearer ${WRONG_KEY}` }));
    record(await call('POST', '/v1/feedback', { request_id: 'secret-req-2', thumbs_up: true, comment: PROMPT }, { 'x-api-key': WRONG_KEY }));
    record(await call('POST', '/v1/feedback', { request_id: 'secret-req-2', thumbs_up: true, comment: PROMPT }, { authorization: 'Bearer sk-bob-plain-0002' }));
    record(await call('POST', '/v1/feedback', { request_id: 'secret-req-3', thumbs_up: PROMPT, comment: PROMPT }, asAlice));
    record(await call('POST', '/v1/feedback', { request_id: 'secret-req-3', thumbs_up: true, comment: PROMPT.repeat(60) }, asAlice));
    record(await call('POST', '/v1/feedback', { request_id: 'secret-req-3', thumbs_up: true, api_key: USER_KEY }, asAlice));
    record(await call('POST', '/v1/feedback', { request_id: `${PROMPT}:${USER_KEY}`, thumbs_up: true }, asAlice));
    record(await call('POST', '/v1/feedback', { request_id: 'never-served', thumbs_up: true, comment: PROMPT }, asAlice));
    record(await call('POST', '/v1/feedback', `{"request_id":"secret-req-4","comment":"${PROMPT}",`, asAlice));
    record(await call('POST', '/v1/feedback', { request_id: 'secret-req-4', thumbs_up: true }, { ...asAlice, 'x-request-id': `${PROMPT}/${USER_KEY}` }));
    // reports: admins only
    record(await call('GET', '/v1/quality', undefined, asOps));
    record(await call('GET', '/v1/quality', undefined, asAlice));
    record(await call('GET', '/v1/spend/alice', undefined, asOps));
    record(await call('GET', `/v1/spend/${encodeURIComponent(USER_KEY)}`, undefined, asAlice));
    record(await call('GET', '/v1/spend/alice', undefined, { authorization: `Bearer ${WRONG_KEY}` }));

    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
    expect(statuses.filter((s) => s === 401)).toHaveLength(4);
    expect(statuses.filter((s) => s === 403)).toHaveLength(3);
    expect(statuses.filter((s) => s === 400 || s === 404).length).toBeGreaterThanOrEqual(6);
    expect(statuses.every((s) => s < 500)).toBe(true);
  });

  it.each(Object.entries(SECRETS))('never shows %s in an answer, an error body or a response header', (name, secret) => {
    for (const answer of seen) {
      expect(answer.headers).not.toContain(secret);
      expect(answer.body).not.toContain(secret);
    }
  });

  it.each(Object.entries(SECRETS))('never writes %s to the logs (LOG_PROMPTS off)', (_, secret) => {
    expect(quality.logs.raw.length).toBeGreaterThan(5);
    expect(quality.logs.raw.join('\n')).not.toContain(secret);
  });

  it.each(Object.entries(SECRETS))('never exposes %s on /metrics', async (_, secret) => {
    const text = await (await fetch(`${quality.url}/metrics`)).text();
    expect(text).toMatch(/^llm_feedback_total\{model="sim-fast",rating="up"\} [1-9]$/m);
    expect(text).not.toContain(secret);
  });

  it.each(Object.entries(SECRETS))('never puts %s in a span', (_, secret) => {
    const exported = JSON.stringify(exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    expect(exported).not.toContain(secret);
  });
});
