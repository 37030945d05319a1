import { feedbackKey } from '@tokenscope/queue-contracts';
import { sampleValue, startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { Redis } from 'ioredis';
import { EventQueue, generationEvent, jsonPost, startQuality, writeRequestRecord, type RunningQuality } from './quality-harness.js';

interface WindowBody {
  window: { generations: number; votes: number; thumbs_up: number };
  rates: { user_satisfaction: number | null };
}

describe('POST /v1/feedback', () => {
  let redis: TestRedis;
  let client: Redis;
  let events: EventQueue;
  let quality: RunningQuality;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    events = new EventQueue(redis.url, redis.prefix);
    quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix });
  });

  afterAll(async () => {
    await quality?.close();
    await events?.close();
    client?.disconnect();
    await redis?.stop();
  });

  const vote = (body: unknown, headers: Record<string, string> = {}) => jsonPost(`${quality.url}/v1/feedback`, body, headers);
  const windowNow = async () => (await (await fetch(`${quality.url}/v1/quality`)).json()) as WindowBody;
  const feedbackCount = async (rating: 'up' | 'down', model = 'sim-fast') => sampleValue(await quality.metrics(), 'llm_feedback_total', { model, rating });

  it('accepts a vote the moment the request record exists, before the event is consumed, and counts it when the event arrives', async () => {
    const event = generationEvent({ userId: 'alice' });
    await writeRequestRecord(client, redis.prefix, event.requestId, { userId: 'alice' });

    const response = await vote({ request_id: event.requestId, thumbs_up: true, comment: 'quick and right' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ request_id: event.requestId, thumbs_up: true, status: 'recorded' });
    // no generation was invented for the vote
    expect((await windowNow()).window).toMatchObject({ generations: 0, votes: 0 });

    await events.publish(event);
    await waitFor(async () => expect((await windowNow()).window).toMatchObject({ generations: 1, votes: 1, thumbs_up: 1 }), { timeoutMs: 20_000 });
    expect((await windowNow()).rates.user_satisfaction).toBe(1);
    expect(await client.hgetall(feedbackKey(redis.prefix, event.requestId))).toMatchObject({ thumbsUp: '1', comment: 'quick and right', userId: 'alice', changes: '0' });
  });

  it('counts a request voted twice once: the latest vote counts, llm_feedback_total moves once', async () => {
    const event = generationEvent({ userId: 'alice' });
    await writeRequestRecord(client, redis.prefix, event.requestId, { userId: 'alice' });
    await events.publish(event);
    await waitFor(async () => expect((await windowNow()).window.generations).toBe(2), { timeoutMs: 20_000 });
    const upBefore = await feedbackCount('up');
    const downBefore = await feedbackCount('down');

    const statuses: string[] = [];
    for (const thumbsUp of [true, true, false]) {
      const response = await vote({ request_id: event.requestId, thumbs_up: thumbsUp });
      expect(response.status).toBe(200);
      statuses.push(((await response.json()) as { status: string }).status);
    }
    expect(statuses).toEqual(['recorded', 'unchanged', 'replaced']);
    expect(await feedbackCount('up')).toBe(upBefore + 1);
    expect(await feedbackCount('down')).toBe(downBefore);
    // window: the first request's up vote and this request's (changed) down vote
    expect((await windowNow()).window).toMatchObject({ generations: 2, votes: 2, thumbs_up: 1 });
    expect((await windowNow()).rates.user_satisfaction).toBe(0.5);
    expect(await client.hgetall(feedbackKey(redis.prefix, event.requestId))).toMatchObject({ thumbsUp: '0', changes: '1' });
  });

  it('folds a model outside MODELS_FILE into model="unknown"', async () => {
    await writeRequestRecord(client, redis.prefix, 'odd-model', { userId: 'alice', model: 'made-up-model' });
    const before = await feedbackCount('down', 'unknown');
    expect((await vote({ request_id: 'odd-model', thumbs_up: false })).status).toBe(200);
    expect(await feedbackCount('down', 'unknown')).toBe(before + 1);
  });

  it('answers 404 for an unknown or expired request id, in the error shape with the request id', async () => {
    const response = await vote({ request_id: 'never-served', thumbs_up: true }, { 'x-request-id': 'fb-404' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ code: 'REQUEST_NOT_FOUND', message: 'request_id: no such request (unknown, or older than the request records kept)', requestId: 'fb-404' });
  });

  it.each([
    ['a missing thumbs_up', { request_id: 'x' }, 'thumbs_up: expected true or false'],
    ['a string thumbs_up', { request_id: 'x', thumbs_up: 'yes' }, 'thumbs_up: expected true or false'],
    ['a numeric request_id', { request_id: 42, thumbs_up: true }, 'request_id: expected a string'],
    ['a request_id with a colon', { request_id: 'a:b', thumbs_up: true }, 'request_id: expected the x-request-id of a response (1-128 letters, digits, . _ -)'],
    ['a comment over 2,000 characters', { request_id: 'x', thumbs_up: true, comment: 'x'.repeat(2001) }, 'comment: at most 2000 characters'],
    ['an unknown field', { request_id: 'x', thumbsUp: true, thumbs_up: true }, 'thumbsUp: unknown field'],
    ['an array body', [{ request_id: 'x', thumbs_up: true }], 'body: expected a JSON object'],
    ['malformed JSON', '{"request_id": "x", ', 'body: not valid JSON'],
  ])('answers 400 naming the field for %s', async (_, body, message) => {
    const response = await vote(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'INVALID_REQUEST', message });
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await fetch(`${quality.url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'thumbs up' });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});

describe('feedback and reports with API keys configured', () => {
  let redis: TestRedis;
  let client: Redis;
  let quality: RunningQuality;
  const ALICE = { authorization: 'Bearer sk-alice' };
  const BOB = { 'x-api-key': 'sk-bob' };
  const OPS = { authorization: 'Bearer sk-ops' };

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, API_KEYS: 'sk-alice:alice,sk-bob:bob,sk-ops:ops:admin' });
    await writeRequestRecord(client, redis.prefix, 'alice-request', { userId: 'alice' });
  });

  afterAll(async () => {
    await quality?.close();
    client?.disconnect();
    await redis?.stop();
  });

  const vote = (headers: Record<string, string>) => jsonPost(`${quality.url}/v1/feedback`, { request_id: 'alice-request', thumbs_up: true }, headers);
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${quality.url}${path}`, { headers });

  it('answers 401 without a key or with an unknown one', async () => {
    for (const headers of [{}, { authorization: 'Bearer sk-mallory' }] as Array<Record<string, string>>) {
      const response = await vote(headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it("answers 403 for a vote on another user's request, and records nothing", async () => {
    const response = await vote(BOB);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'FORBIDDEN', message: 'request_id: the request belongs to another user' });
    expect(await client.exists(feedbackKey(redis.prefix, 'alice-request'))).toBe(0);
    // an admin key does not make a vote on someone else's answer legitimate either
    expect((await vote(OPS)).status).toBe(403);
  });

  it('accepts the owner’s vote', async () => {
    expect((await vote(ALICE)).status).toBe(200);
  });

  it('shows the window and per-user spend to admin keys only', async () => {
    expect((await get('/v1/quality')).status).toBe(401);
    expect((await get('/v1/quality', ALICE)).status).toBe(403);
    expect((await get('/v1/quality', OPS)).status).toBe(200);
    expect((await get('/v1/spend/alice', ALICE)).status).toBe(403);
    const spend = await get('/v1/spend/alice', OPS);
    expect(spend.status).toBe(200);
    expect(await spend.json()).toMatchObject({ user_id: 'alice', spend_usd: 0, time_zone: 'UTC' });
  });
});
