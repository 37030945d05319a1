import { feedbackKey } from '@tokenscope/queue-contracts';
import { startRedis, type TestRedis } from '@tokenscope/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { startQuality, writeRequestRecord, type RunningQuality } from './quality-harness.js';

/** Per property: each run is one HTTP exchange with the real service. */
// PROPERTY_RUNS=2000 for a deeper search than the default run
const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const MARKER = 'zq-marker-0b7d';
/** `field: ...` where the field is a dotted path of plain names or JSON-quoted keys. */
const SEGMENT = String.raw`(?:"(?:[^"\\]|\\.)*"|[A-Za-z0-9_$-]+)`;
const FIELD_PREFIX = new RegExp(`^(${SEGMENT}(?:\\.${SEGMENT})*)(?:…)?: `);
const VALID_VOTE = { request_id: 'known-request', thumbs_up: true, comment: 'fine' };

interface Answer {
  status: number;
  contentType: string;
  requestId: string | null;
  text: string;
}

async function exchange(url: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', requestId: response.headers.get('x-request-id'), text: await response.text() };
}

/**
 * The contract for any answer: a success, or a 4xx in the service's shape whose message starts
 * with the field at fault; never a 5xx, a stack trace, a path, or the planted marker.
 */
function expectWellFormed(answer: Answer): { code: string; message: string } | undefined {
  expect(answer.status).toBeLessThan(500);
  expect(answer.requestId).toBeTruthy();
  expect(answer.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|\.js:\d+|\/work\/|file:\/\//);
  if (answer.status === 200) return undefined;
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.contentType).toMatch(/^application\/json/);
  const error = JSON.parse(answer.text) as { code: string; message: string; requestId: string };
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'requestId']);
  expect(error.requestId).toBe(answer.requestId);
  // `field: what is wrong`, the field never empty
  expect(error.message).toMatch(FIELD_PREFIX);
  expect(error.message).not.toContain(MARKER);
  expect(answer.text.length).toBeLessThan(1024);
  return error;
}

const anyJson = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.constantFrom(MARKER, '', 'known-request', 'constructor', true, false, null, 1e308) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);

describe('the quality service under random input (property-based, over HTTP)', () => {
  let redis: TestRedis;
  let client: Redis;
  let quality: RunningQuality;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix });
    await writeRequestRecord(client, redis.prefix, 'known-request', { userId: 'alice' });
  });

  afterAll(async () => {
    await quality?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it('answers any JSON text sent as feedback with a vote or a 4xx naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 6 }), async (text) => {
        expectWellFormed(await exchange(quality.url, 'POST', '/v1/feedback', text));
      }),
      { numRuns: RUNS },
    );
  });

  it('answers a valid vote with one field replaced, added or removed with a vote or a 4xx naming that field', async () => {
    const mutation = fc.record({
      field: fc.oneof(fc.constantFrom('request_id', 'thumbs_up', 'comment', '', 'constructor', 'thumbsUp'), fc.string({ maxLength: 40 })),
      value: fc.option(anyJson, { nil: undefined, freq: 8 }),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ field, value }) => {
        const body: Record<string, unknown> = { ...VALID_VOTE };
        if (value === undefined) delete body[field];
        else Object.defineProperty(body, field, { value, enumerable: true, writable: true, configurable: true });
        const text = JSON.stringify(body);
        const error = expectWellFormed(await exchange(quality.url, 'POST', '/v1/feedback', text));
        if (!error) return;
        const shownField = shownKey(field);
        const isPoisoned = text.includes('"__proto__"') || (text.includes('"constructor"') && text.includes('"prototype"'));
        const named = FIELD_PREFIX.exec(error.message)![1]!;
        // an unknown request id is a 404 naming request_id; a poisoned body is refused whole
        expect(named === shownField || named.startsWith(`${shownField}.`) || (isPoisoned && named === 'body')).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('answers a valid vote with its bytes corrupted with a vote or a 4xx, refusing anything that is not UTF-8', async () => {
    const valid = Buffer.from(JSON.stringify(VALID_VOTE), 'utf8');
    const corruption = fc.record({ at: fc.nat({ max: valid.length }), cut: fc.nat({ max: 6 }), insert: fc.uint8Array({ maxLength: 6 }) });
    await fc.assert(
      fc.asyncProperty(corruption, async ({ at, cut, insert }) => {
        const body = Buffer.concat([valid.subarray(0, at), Buffer.from(insert), valid.subarray(at + cut)]);
        const answer = await exchange(quality.url, 'POST', '/v1/feedback', body);
        const error = expectWellFormed(answer);
        if (!isUtf8(body)) expect(error?.message.startsWith('body:')).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('answers any user id on /v1/spend/:userId with a spend or a 4xx naming it, and anything at all after /v1/ with JSON', async () => {
    const segment = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 400 }).map((s) => encodeURIComponent(s)),
      fc.string({ unit: fc.constantFrom(...'abc%09AFZ/.-_~'), minLength: 1, maxLength: 30 }),
    );
    await fc.assert(
      fc.asyncProperty(segment, fc.constantFrom('/v1/spend/', '/v1/'), async (part, prefix) => {
        const answer = await exchange(quality.url, 'GET', `${prefix}${part}`);
        expectWellFormed(answer);
      }),
      { numRuns: RUNS },
    );
  });

  it('never recorded a vote through any of that except valid ones, and still answers /healthz', async () => {
    const vote = await client.hgetall(feedbackKey(redis.prefix, 'known-request'));
    // only a vote whose body was valid JSON of the right shape could have landed, so its comment is a string
    if (Object.keys(vote).length > 0) expect(typeof vote.thumbsUp).toBe('string');
    expect((await fetch(`${quality.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${quality.url}/readyz`)).status).toBe(200);
  });
});

/** How an error names a key (the service's fieldName): as is when plain, else quoted; cut to 64 characters. */
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
