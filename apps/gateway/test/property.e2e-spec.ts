import { sampleSum } from '@tokenscope/testing';
import fc from 'fast-check';
import { type RunningGateway, useGateway } from './gateway-harness.js';

/** Per property: each run is one HTTP exchange with the real gateway. */
// PROPERTY_RUNS=2000 for a deeper search than the default run
const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const MARKER = 'zq-marker-5c1e';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const ROUTES = {
  generate: { method: 'POST', path: '/v1/generate', valid: { prompt: 'hello', max_tokens: 2, model: 'sim-fast', temperature: 0.5, top_p: 0.9, seed: 7, stop: ['\n'], stream: false, user: 'alice', context: ['doc'] } },
  chat: {
    method: 'POST',
    path: '/v1/chat/completions',
    valid: { model: 'sim-fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, temperature: 1, top_p: 1, n: 1, seed: 1, stop: 'x', stream: false, stream_options: null, user: 'bob', context: [] },
  },
  completions: { method: 'POST', path: '/v1/completions', valid: { model: 'sim-fast', prompt: 'once', max_tokens: 2, temperature: 0, n: 1, echo: false, user: 'carol' } },
  faults: { method: 'PUT', path: '/admin/simulator/faults/sim-large', valid: { refusal_rate: 0, off_context_rate: 0 } },
} as const;
type RouteName = keyof typeof ROUTES;
const ROUTE_NAMES = Object.keys(ROUTES) as RouteName[];

interface Answer {
  status: number;
  contentType: string;
  requestId: string | null;
  text: string;
}

async function exchange(gateway: RunningGateway, route: RouteName, body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const { method, path } = ROUTES[route];
  const response = await fetch(`${gateway.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', requestId: response.headers.get('x-request-id'), text: await response.text() };
}

/**
 * The contract for any answer: a success, or a 4xx in OpenAI's shape naming the field (message
 * starting with it), never a 5xx, never a stack trace or a path, never the planted marker.
 */
function expectWellFormed(answer: Answer): void {
  expect(answer.status).toBeLessThan(500);
  expect(answer.requestId).toBeTruthy();
  expect(answer.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|\.js:\d+|\/work\/|file:\/\//);
  if (answer.status === 200) return;
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.contentType).toMatch(/^application\/json/);
  const { error } = JSON.parse(answer.text) as { error: { code: string; message: string; param: string | null; type: string } };
  expect(typeof error.code).toBe('string');
  expect(typeof error.type).toBe('string');
  expect(typeof error.param).toBe('string');
  expect(error.param!.length).toBeGreaterThan(0);
  expect(error.message.startsWith(`${error.param}:`)).toBe(true);
  expect(error.message).not.toContain(MARKER);
  expect(answer.text.length).toBeLessThan(1024);
}

/** Content types the gateway must refuse with 415: JSON in another charset, or not JSON at all. */
const NOT_JSON_MEDIA_TYPES = new Set(['application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml']);

/** How an error names a key (the gateway's fieldName): as is when plain, else quoted; cut to 64 characters. */
function shownKey(key: string): string {
  const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return /^[A-Za-z0-9_$-]+$/.test(shown) ? shown : JSON.stringify(shown);
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const anyJson = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.constantFrom(MARKER, '', 'constructor', 1e308, -0, 2 ** 53) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);

describe('the gateway under random input (property-based, over HTTP)', () => {
  const running = useGateway();

  it('answers any JSON text on any route with a success or a 4xx naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTE_NAMES), fc.json({ maxDepth: 6 }), async (route, text) => {
        expectWellFormed(await exchange(running.gateway, route, text));
      }),
      { numRuns: RUNS },
    );
  });

  it('answers a valid body with one field replaced, added or removed with a success or a 4xx naming that field', async () => {
    const mutation = fc.constantFrom(...ROUTE_NAMES).chain((route) =>
      fc.record({
        route: fc.constant(route),
        field: fc.oneof(fc.constantFrom(...Object.keys(ROUTES[route].valid)), fc.constantFrom('', '__proto__x', 'constructor', 'messages', 'prompt'), fc.string({ maxLength: 40 })),
        value: fc.option(anyJson, { nil: undefined, freq: 8 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async ({ route, field, value }) => {
        const body: Record<string, unknown> = { ...ROUTES[route].valid };
        if (value === undefined) delete body[field];
        else Object.defineProperty(body, field, { value, enumerable: true, writable: true, configurable: true });
        const text = JSON.stringify(body);
        const answer = await exchange(running.gateway, route, text);
        expectWellFormed(answer);
        if (answer.status >= 400) {
          const { error } = JSON.parse(answer.text) as { error: { param: string } };
          const shownField = shownKey(field);
          // a prototype-poisoning key anywhere (fast-check generates `__proto__`) refuses the body as a whole
          const isPoisoned = text.includes('"__proto__"') || (text.includes('"constructor"') && text.includes('"prototype"'));
          expect(error.param === shownField || error.param.startsWith(`${shownField}.`) || (isPoisoned && error.param === 'body')).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('answers a valid body with its bytes corrupted (cut, inserted, flipped) with a success or a 4xx naming the field', async () => {
    const corruption = fc.record({
      route: fc.constantFrom(...ROUTE_NAMES),
      at: fc.nat(),
      cut: fc.nat({ max: 8 }),
      insert: fc.uint8Array({ minLength: 0, maxLength: 6 }),
      bom: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(corruption, async ({ route, at, cut, insert, bom }) => {
        const valid = Buffer.from(JSON.stringify(ROUTES[route].valid), 'utf8');
        const position = at % (valid.length + 1);
        const body = Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), valid.subarray(0, position), Buffer.from(insert), valid.subarray(position + cut)]);
        const answer = await exchange(running.gateway, route, body);
        expectWellFormed(answer);
        // bytes that are not UTF-8 are refused, never decoded into U+FFFD and served
        if (!isUtf8(body)) {
          expect(answer.status).toBe(400);
          expect((JSON.parse(answer.text) as { error: { param: string } }).error.param).toBe('body');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('answers any content type, charset and x-user-id with a success or a 4xx naming the field', async () => {
    // printable ASCII: control characters and CR/LF are the table's raw-socket cases (fetch refuses to send them)
    const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 });
    const headers = fc.record({
      'content-type': fc.oneof(
        fc.constantFrom('application/json', 'application/json; charset=utf-8', ...NOT_JSON_MEDIA_TYPES),
        headerText.map((s) => `application/json; ${s}`),
        headerText,
      ),
      'x-user-id': headerText,
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<RouteName>('generate', 'chat', 'completions'), headers, async (route, sent) => {
        const trimmed = Object.fromEntries(Object.entries(sent).filter(([, v]) => v.trim().length > 0));
        const answer = await exchange(running.gateway, route, JSON.stringify(ROUTES[route].valid), trimmed);
        expectWellFormed(answer);
        if (NOT_JSON_MEDIA_TYPES.has(sent['content-type'])) expect(answer.status).toBe(415);
      }),
      { numRuns: RUNS },
    );
  });

  it('echoes x-request-id only when it matches ^[A-Za-z0-9._-]{1,128}$, else answers under a fresh UUID', async () => {
    const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 200 });
    const safe = fc.string({ unit: fc.constantFrom(...'abcXYZ019._-'), minLength: 1, maxLength: 140 });
    await fc.assert(
      fc.asyncProperty(fc.oneof(printable, safe), async (id) => {
        const answer = await exchange(running.gateway, 'generate', '{"max_tokens":1}', { 'x-request-id': id });
        expectWellFormed(answer);
        if (/^[A-Za-z0-9._-]{1,128}$/.test(id)) expect(answer.requestId).toBe(id);
        else {
          expect(answer.requestId).toMatch(UUID);
          // short ids (",", "a b") occur in any JSON text by chance
          if (id.length >= 8) expect(answer.text).not.toContain(id);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('never counted any of it as a server error, and still answers /healthz', async () => {
    expect(sampleSum(await running.gateway.metrics(), 'llm_requests_total', { status: 'error' })).toBe(0);
    expect((await fetch(`${running.gateway.url}/healthz`)).status).toBe(200);
    const response = await fetch(`${running.gateway.url}/v1/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"still here","max_tokens":2}' });
    expect(response.status).toBe(200);
  });
});
