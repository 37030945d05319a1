import { feedbackKey } from '@tokenscope/queue-contracts';
import { rawHttpExchange, startRedis, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { startQuality, writeRequestRecord, type RunningQuality } from './quality-harness.js';

interface BadRequest {
  name: string;
  path?: string;
  method?: string;
  /** A JSON value, or a raw body (string or bytes) when `raw` is set. */
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** The field the message starts with (`field: ...`); undefined for errors about no field (an unknown route). */
  field?: string;
}

const FEEDBACK = '/v1/feedback';
const SPEND = '/v1/spend';
const QUALITY = '/v1/quality';
const vote = (extra: Record<string, unknown>) => ({ request_id: 'known-request', thumbs_up: true, ...extra });
const utf8 = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** x-request-id values that must be replaced by a fresh UUID and never echoed. */
const BAD_REQUEST_IDS: Array<[string, string]> = [
  ['over 128 characters', 'r'.repeat(129)],
  ['a space', 'req id'],
  ['a colon', 'req:1'],
  ['a slash', '../../etc/passwd'],
  ['angle brackets', '<img src=x onerror=alert(1)>'],
  ['a tab inside', 'req\tid'],
];

const cases: BadRequest[] = [
  // the body as a whole
  { name: 'malformed JSON', raw: '{"request_id": "x", ', status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'an empty body', raw: '', status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'a JSON array body', body: [vote({})], status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'a JSON string body', body: 'thumbs up', status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'a JSON null body', raw: 'null', status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'a JSON number body', raw: '1', status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'a JSON true body', raw: 'true', status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'two JSON objects', raw: '{"request_id":"a","thumbs_up":true}{"x":1}', status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'a body over 64 KiB', body: vote({ comment: 'c'.repeat(70_000) }), status: 413, code: 'BODY_TOO_LARGE', field: 'body' },
  // encodings and media types
  { name: 'invalid UTF-8 bytes in the comment', raw: utf8('{"request_id":"known-request","thumbs_up":true,"comment":"', [0xff], '"}'), status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'an overlong UTF-8 encoding', raw: utf8('{"request_id":"', [0xc1, 0x81], '","thumbs_up":true}'), status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'a UTF-8 BOM before a body with a bad field (the BOM itself is tolerated)', raw: utf8([0xef, 0xbb, 0xbf], '{"request_id":"known-request","thumbs_up":"yes"}'), status: 400, code: 'INVALID_REQUEST', field: 'thumbs_up' },
  { name: 'a latin-1 charset', raw: Buffer.from('{"request_id":"known-request","thumbs_up":true,"comment":"tr\u00e8s bien"}', 'latin1'), headers: { 'content-type': 'application/json; charset=latin1' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' },
  { name: 'a UTF-16 body declared as such', raw: Buffer.from(JSON.stringify(vote({})), 'utf16le'), headers: { 'content-type': 'application/json; charset=utf-16' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' },
  { name: 'a text/plain body', raw: 'thumbs up', headers: { 'content-type': 'text/plain' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' },
  { name: 'a form body', raw: 'request_id=known-request&thumbs_up=true', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' },
  { name: 'a multipart body', raw: '--b\r\ncontent-disposition: form-data; name="request_id"\r\n\r\nx\r\n--b--\r\n', headers: { 'content-type': 'multipart/form-data; boundary=b' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' },
  { name: 'no content type', raw: JSON.stringify(vote({})), headers: { 'content-type': '' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' },
  // prototype pollution and deep nesting
  { name: 'a __proto__ key', raw: '{"request_id":"known-request","thumbs_up":true,"__proto__":{"isAdmin":true}}', status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'a __proto__ key spelt with JSON escapes', raw: '{"request_id":"known-request","thumbs_up":true,"\\u005f\\u005fproto__":{"x":1}}', status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'a constructor.prototype key', raw: '{"request_id":"known-request","thumbs_up":true,"constructor":{"prototype":{"x":1}}}', status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'a __proto__ key nested in the comment', raw: '{"request_id":"known-request","thumbs_up":true,"comment":{"__proto__":{"x":1}}}', status: 400, code: 'INVALID_REQUEST', field: 'body' },
  { name: 'a bare constructor key', body: vote({ constructor: {} }), status: 400, code: 'INVALID_REQUEST', field: 'constructor' },
  { name: 'a comment nested 1,000 levels', raw: `{"request_id":"known-request","thumbs_up":true,"comment":${'['.repeat(1000)}${']'.repeat(1000)}}`, status: 400, code: 'INVALID_REQUEST', field: 'body' },
  // request_id
  { name: 'a missing request_id', body: { thumbs_up: true }, status: 400, code: 'INVALID_REQUEST', field: 'request_id' },
  { name: 'a numeric request_id', body: vote({ request_id: 42 }), status: 400, code: 'INVALID_REQUEST', field: 'request_id' },
  { name: 'a null request_id', body: vote({ request_id: null }), status: 400, code: 'INVALID_REQUEST', field: 'request_id' },
  { name: 'an empty request_id', body: vote({ request_id: '' }), status: 400, code: 'INVALID_REQUEST', field: 'request_id' },
  { name: 'a request_id over 128 characters', body: vote({ request_id: 'r'.repeat(129) }), status: 400, code: 'INVALID_REQUEST', field: 'request_id' },
  { name: 'a request_id with a colon (a Redis key separator)', body: vote({ request_id: 'a:b' }), status: 400, code: 'INVALID_REQUEST', field: 'request_id' },
  { name: 'a request_id with a Redis glob', body: vote({ request_id: 'known-*' }), status: 400, code: 'INVALID_REQUEST', field: 'request_id' },
  { name: 'a request_id with a newline', body: vote({ request_id: 'a\nb' }), status: 400, code: 'INVALID_REQUEST', field: 'request_id' },
  { name: 'a request_id with non-ASCII letters', body: vote({ request_id: 'r\u00e9q' }), status: 400, code: 'INVALID_REQUEST', field: 'request_id' },
  { name: 'a request_id given as a list', body: vote({ request_id: ['known-request'] }), status: 400, code: 'INVALID_REQUEST', field: 'request_id' },
  // thumbs_up
  { name: 'a missing thumbs_up', body: { request_id: 'known-request' }, status: 400, code: 'INVALID_REQUEST', field: 'thumbs_up' },
  { name: 'thumbs_up as a string', body: vote({ thumbs_up: 'yes' }), status: 400, code: 'INVALID_REQUEST', field: 'thumbs_up' },
  { name: 'thumbs_up as a number', body: vote({ thumbs_up: 1 }), status: 400, code: 'INVALID_REQUEST', field: 'thumbs_up' },
  { name: 'a null thumbs_up', body: vote({ thumbs_up: null }), status: 400, code: 'INVALID_REQUEST', field: 'thumbs_up' },
  // comment
  { name: 'a comment over 2,000 characters', body: vote({ comment: 'c'.repeat(2001) }), status: 400, code: 'INVALID_REQUEST', field: 'comment' },
  { name: 'a numeric comment', body: vote({ comment: 5 }), status: 400, code: 'INVALID_REQUEST', field: 'comment' },
  { name: 'a comment as an object', body: vote({ comment: { text: 'x' } }), status: 400, code: 'INVALID_REQUEST', field: 'comment' },
  { name: 'a comment as a list', body: vote({ comment: ['x'] }), status: 400, code: 'INVALID_REQUEST', field: 'comment' },
  // unknown keys
  { name: 'an unknown field', body: vote({ thumbsUp: true }), status: 400, code: 'INVALID_REQUEST', field: 'thumbsUp' },
  { name: 'an empty key', body: vote({ '': 1 }), status: 400, code: 'INVALID_REQUEST', field: '""' },
  { name: 'a key that is only a space', body: vote({ ' ': 1 }), status: 400, code: 'INVALID_REQUEST', field: '" "' },
  { name: 'a key holding a colon', body: vote({ 'thumbs_up: true': 1 }), status: 400, code: 'INVALID_REQUEST', field: '"thumbs_up: true"' },
  { name: 'an unknown key of 10,000 characters (named, cut to 64)', body: vote({ ['k'.repeat(10_000)]: 1 }), status: 400, code: 'INVALID_REQUEST', field: `"${'k'.repeat(64)}…"` },
  { name: '2,000 unknown keys (one named)', body: vote(Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`extra${i}`, i]))), status: 400, code: 'INVALID_REQUEST', field: 'extra0' },
  // headers
  ...BAD_REQUEST_IDS.map(([what, id]): BadRequest => ({ name: `an x-request-id with ${what}`, body: vote({ thumbs_up: 'no' }), headers: { 'x-request-id': id }, status: 400, code: 'INVALID_REQUEST', field: 'thumbs_up' })),
  // /v1/spend/:userId
  { name: 'a user id over 256 characters', path: `${SPEND}/${'u'.repeat(300)}`, method: 'GET', status: 400, code: 'INVALID_REQUEST', field: 'userId' },
  { name: 'a user id over 512 characters', path: `${SPEND}/${'u'.repeat(600)}`, method: 'GET', status: 414, code: 'URI_TOO_LONG', field: 'url' },
  { name: 'a user id with bad percent-encoding', path: `${SPEND}/%E0%A4%A`, method: 'GET', status: 400, code: 'INVALID_REQUEST', field: 'url' },
  { name: 'a user id percent-encoded over 256 characters', path: `${SPEND}/${'%41'.repeat(257)}`, method: 'GET', status: 400, code: 'INVALID_REQUEST', field: 'userId' },
  { name: 'a POST on the spend route', path: `${SPEND}/alice`, body: {}, status: 404, code: 'NOT_FOUND', field: 'url' },
  // routes
  { name: 'a POST on /v1/quality', path: QUALITY, body: {}, status: 404, code: 'NOT_FOUND', field: 'url' },
  { name: 'a GET on /v1/feedback', path: FEEDBACK, method: 'GET', status: 404, code: 'NOT_FOUND', field: 'url' },
  { name: 'an unknown route', path: '/v1/votes', body: vote({}), status: 404, code: 'NOT_FOUND', field: 'url' },
  { name: 'a route with bad percent-encoding', path: '/v1/feed%ZZback', body: vote({}), status: 400, code: 'INVALID_REQUEST', field: 'url' },
];

/** What Node's HTTP parser refuses before the app runs, sent over a raw socket (fetch will not send these). */
const malformed: Array<{ name: string; headerLines: string; status: number; code: string; planted: string }> = [
  { name: 'a bare CR inside x-request-id', headerLines: 'x-request-id: inj\rected-cr-2\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'ected-cr-2' },
  { name: 'a bare LF inside x-request-id', headerLines: 'x-request-id: inj\nected-lf-2: x\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'ected-lf-2' },
  { name: 'a control character in x-request-id', headerLines: 'x-request-id: inj\u0007ected-bel-2\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'ected-bel-2' },
  { name: 'an obsolete folded header', headerLines: 'x-request-id: folded-2\r\n continued-fold-2\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'continued-fold-2' },
  { name: 'a control character in x-user-id', headerLines: 'x-user-id: ops\u0000admin-ctl-2\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'admin-ctl-2' },
  { name: 'headers over the size limit', headerLines: `x-request-id: ${'h'.repeat(20_000)}-big-2\r\n`, status: 431, code: 'HEADERS_TOO_LARGE', planted: '-big-2' },
];

async function send(url: string, c: BadRequest, extraHeaders: Record<string, string> = {}): Promise<Response> {
  const method = c.method ?? 'POST';
  const headers: Record<string, string> = { ...(method !== 'GET' ? { 'content-type': 'application/json' } : {}), ...extraHeaders, ...c.headers };
  if (headers['content-type'] === '') delete headers['content-type'];
  const body = method === 'GET' ? undefined : (c.raw ?? JSON.stringify(c.body));
  return fetch(`${url}${c.path ?? FEEDBACK}`, { method, headers, ...(body !== undefined ? { body } : {}) });
}

/** The quality service's error shape: `{code, message, requestId}`, and nothing internal in it. */
function expectQualityError(text: string, response: Response, expected: { status: number; code: string; field?: string | undefined }): void {
  expect(response.status).toBe(expected.status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const payload = JSON.parse(text) as { code: string; message: string; requestId: string };
  expect(Object.keys(payload).sort()).toEqual(['code', 'message', 'requestId']);
  expect(payload.code).toBe(expected.code);
  expect(payload.requestId).toBe(response.headers.get('x-request-id'));
  expect(payload.message.length).toBeGreaterThan(0);
  if (expected.field !== undefined) expect(payload.message.startsWith(`${expected.field}:`)).toBe(true);
  expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|\.js:\d+|\/work\/|file:\/\//);
  expect(text.length).toBeLessThan(1024);
}

describe('bad requests to the quality service', () => {
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

  it('covers every field of every endpoint: at least 60 cases', () => {
    expect(cases.length + malformed.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases)('answers $name with $status $code naming $field', async (c) => {
    const response = await send(quality.url, c);
    const text = await response.text();
    expectQualityError(text, response, c);
    const callerId = c.headers?.['x-request-id'];
    if (callerId !== undefined) {
      expect(response.headers.get('x-request-id')).toMatch(UUID);
      expect(text).not.toContain(callerId);
    }
  });

  it.each(malformed)('answers $name with $status $code in the service’s shape, a fresh request id, and nothing quoted back', async (c) => {
    const request = Buffer.from(`POST ${FEEDBACK} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 2\r\n${c.headerLines}\r\n{}`, 'latin1');
    const answer = await rawHttpExchange(quality.url, request);
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${c.status} `));
    expect(head).toMatch(/^content-type: application\/json/m);
    const requestId = /^x-request-id: (.+)$/m.exec(head)?.[1];
    expect(requestId).toMatch(UUID);
    expect(JSON.parse(body)).toEqual({ code: c.code, message: expect.stringMatching(/^headers: /), requestId });
    expect(answer).not.toContain(c.planted);
  });

  it('changed nothing: the known request has no vote', async () => {
    expect(await client.exists(feedbackKey(redis.prefix, 'known-request'))).toBe(0);
  });

  it('tolerates a UTF-8 byte order mark before a valid vote, and still answers /healthz', async () => {
    const response = await fetch(`${quality.url}${FEEDBACK}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: utf8([0xef, 0xbb, 0xbf], JSON.stringify(vote({ comment: 'with a BOM' }))),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ request_id: 'known-request', status: 'recorded' });
    expect((await fetch(`${quality.url}/healthz`)).status).toBe(200);
  });
});

describe('bad credentials and x-user-id abuse with API keys configured', () => {
  let redis: TestRedis;
  let client: Redis;
  let quality: RunningQuality;
  const ALICE_KEY = 'sk-alice-badreq-0001';
  const OPS_KEY = 'sk-ops-badreq-0003';

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, API_KEYS: `${ALICE_KEY}:alice,sk-bob-badreq-0002:bob,${OPS_KEY}:ops:admin` });
    await writeRequestRecord(client, redis.prefix, 'alice-request', { userId: 'alice' });
  });

  afterAll(async () => {
    await quality?.close();
    client?.disconnect();
    await redis?.stop();
  });

  const credentialCases: Array<{ name: string; path: string; method?: string; body?: unknown; headers: Record<string, string>; status: number; code: string; secret?: string }> = [
    { name: 'no key on /v1/feedback', path: FEEDBACK, body: { request_id: 'alice-request', thumbs_up: true }, headers: {}, status: 401, code: 'UNAUTHORIZED' },
    { name: 'a wrong key', path: FEEDBACK, body: { request_id: 'alice-request', thumbs_up: true }, headers: { authorization: 'Bearer sk-guess-planted-4242' }, status: 401, code: 'UNAUTHORIZED', secret: 'sk-guess-planted-4242' },
    { name: 'an empty bearer', path: FEEDBACK, body: { request_id: 'alice-request', thumbs_up: true }, headers: { authorization: 'Bearer ' }, status: 401, code: 'UNAUTHORIZED' },
    { name: 'Basic credentials holding a valid key', path: FEEDBACK, body: { request_id: 'alice-request', thumbs_up: true }, headers: { authorization: `Basic ${Buffer.from(`alice:${ALICE_KEY}`).toString('base64')}` }, status: 401, code: 'UNAUTHORIZED' },
    { name: 'a key with a suffix', path: FEEDBACK, body: { request_id: 'alice-request', thumbs_up: true }, headers: { authorization: `Bearer ${ALICE_KEY}x` }, status: 401, code: 'UNAUTHORIZED' },
    { name: 'a wrong x-api-key', path: FEEDBACK, body: { request_id: 'alice-request', thumbs_up: true }, headers: { 'x-api-key': 'sk-guess-planted-5353' }, status: 401, code: 'UNAUTHORIZED', secret: 'sk-guess-planted-5353' },
    { name: 'no key with x-user-id claiming the owner', path: FEEDBACK, body: { request_id: 'alice-request', thumbs_up: true }, headers: { 'x-user-id': 'alice' }, status: 401, code: 'UNAUTHORIZED' },
    { name: "another user's key with x-user-id claiming the owner", path: FEEDBACK, body: { request_id: 'alice-request', thumbs_up: true }, headers: { authorization: 'Bearer sk-bob-badreq-0002', 'x-user-id': 'alice' }, status: 403, code: 'FORBIDDEN' },
    { name: 'an admin key voting on a user’s request', path: FEEDBACK, body: { request_id: 'alice-request', thumbs_up: false }, headers: { authorization: `Bearer ${OPS_KEY}`, 'x-user-id': 'alice' }, status: 403, code: 'FORBIDDEN' },
    { name: 'a user key reading the window, with x-user-id claiming an admin', path: QUALITY, method: 'GET', headers: { authorization: `Bearer ${ALICE_KEY}`, 'x-user-id': 'ops' }, status: 403, code: 'FORBIDDEN' },
    { name: "a user key reading another user's spend", path: `${SPEND}/bob`, method: 'GET', headers: { authorization: `Bearer ${ALICE_KEY}` }, status: 403, code: 'FORBIDDEN' },
    { name: 'no key reading the spend', path: `${SPEND}/alice`, method: 'GET', headers: {}, status: 401, code: 'UNAUTHORIZED' },
    { name: 'a key but a bad body (authentication first, then the body)', path: FEEDBACK, body: { request_id: 'alice-request' }, headers: { authorization: `Bearer ${ALICE_KEY}` }, status: 400, code: 'INVALID_REQUEST' },
  ];

  it.each(credentialCases)('answers $name with $status $code, never quoting the key', async (c) => {
    const method = c.method ?? 'POST';
    const response = await fetch(`${quality.url}${c.path}`, {
      method,
      headers: { ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...c.headers },
      ...(method === 'POST' ? { body: JSON.stringify(c.body) } : {}),
    });
    const text = await response.text();
    expectQualityError(text, response, { status: c.status, code: c.code, field: c.status === 400 ? 'thumbs_up' : c.status === 401 ? 'authorization' : undefined });
    for (const secret of [ALICE_KEY, OPS_KEY, c.secret].filter((s): s is string => s !== undefined)) expect(text).not.toContain(secret);
    expect(quality.logs.raw.join('\n')).not.toContain(ALICE_KEY);
    if (c.secret) expect(quality.logs.raw.join('\n')).not.toContain(c.secret);
  });

  it('recorded no vote through any of them', async () => {
    expect(await client.exists(feedbackKey(redis.prefix, 'alice-request'))).toBe(0);
  });
});
