import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { BUILT_CONSOLE_DIR } from '../src/console/console-assets.js';
import { EventQueue, generationEvent, REFUSAL_TEXT, startQuality, type RunningQuality } from './quality-harness.js';

/** The console's page and JSON API on the real quality service: access, caching, what each replica shows. */
describe('console (quality service)', () => {
  let redis: TestRedis;
  let events: EventQueue;
  const running: RunningQuality[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    events = new EventQueue(redis.url, redis.prefix);
  });

  afterAll(async () => {
    for (const instance of running) await instance.close();
    await events?.close();
    await redis?.stop();
  });

  async function quality(env: Record<string, string> = {}): Promise<RunningQuality> {
    const instance = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix, ...env });
    running.push(instance);
    return instance;
  }

  it('is open, like the rest of the API, when no API keys are configured', async () => {
    const open = await quality();
    expect(await (await fetch(`${open.url}/v1/console/access`)).json()).toEqual({ isKeyRequired: false });
    const settings = await fetch(`${open.url}/v1/console/settings`);
    expect(settings.status).toBe(200);
    expect(await settings.json()).toMatchObject({ caller: { kind: 'open' }, windowSeconds: 900, kept: { entries: 10_000, maxAgeSeconds: 86_400 } });
  });

  it('answers admins only when API keys are configured: 401 without a valid key, 403 for a user key', async () => {
    const keyed = await quality({ API_KEYS: 'admin-key:ops:admin,user-key:alice' });
    expect(await (await fetch(`${keyed.url}/v1/console/access`)).json()).toEqual({ isKeyRequired: true });
    for (const path of ['settings', 'overview', 'requests', 'requests/some-id']) {
      expect([path, (await fetch(`${keyed.url}/v1/console/${path}`)).status]).toEqual([path, 401]);
      expect([path, (await fetch(`${keyed.url}/v1/console/${path}`, { headers: { authorization: 'Bearer user-key' } })).status]).toEqual([path, 403]);
    }
    const admin = await fetch(`${keyed.url}/v1/console/requests`, { headers: { authorization: 'Bearer admin-key' } });
    expect(admin.status).toBe(200);
  });

  it('serves the built page for revalidation and its hashed assets as immutable', async () => {
    expect(existsSync(join(BUILT_CONSOLE_DIR, 'index.html'))).toBe(true);
    const open = running[0]!;
    const page = await fetch(`${open.url}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    const assets = readdirSync(join(BUILT_CONSOLE_DIR, 'assets'));
    expect(assets.some((name) => name.endsWith('.js'))).toBe(true);
    for (const name of assets) {
      // the page names each asset by its hashed name
      expect(html).toContain(`/console/assets/${name}`);
      const asset = await fetch(`${open.url}/console/assets/${name}`);
      expect([name, asset.status, asset.headers.get('cache-control')]).toEqual([name, 200, 'public, max-age=31536000, immutable']);
    }
    expect((await fetch(`${open.url}/console/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${open.url}/console/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('says how to build the console when it is not built', async () => {
    const unbuilt = await quality({ CONSOLE_ASSETS_DIR: join(redis.prefix, 'no-such-dir') });
    const response = await fetch(`${unbuilt.url}/console`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { message: string }).message).toContain('npm run build');
  });

  it('lists what every replica consumed, the same on each, with verdicts, and filters it', async () => {
    const [first, second] = [running[0]!, await quality()];
    const now = Date.now();
    const refused = generationEvent({ requestId: 'console-refused', userId: 'bob', model: 'sim-large', output: REFUSAL_TEXT, finishedAtMs: now - 2000 });
    const failed = generationEvent({ requestId: 'console-failed', status: 'error', errorCode: 'UPSTREAM_TIMEOUT', httpStatus: 504, finishedAtMs: now - 1000 });
    const answered = generationEvent({ requestId: 'console-answered', costUsd: 0.25, finishedAtMs: now });
    await events.publish(refused, failed, answered);
    const listed = async (url: string, query = '') => {
      const response = await fetch(`${url}/v1/console/requests${query}`);
      expect(response.status).toBe(200);
      return (await response.json()) as Array<{ id: string; isRefusal: boolean | null; status: string; costUsd: number; output?: string }>;
    };
    await waitFor(async () => expect((await listed(first.url)).length).toBe(3), { timeoutMs: 10_000 });
    const rows = await listed(second.url);
    expect(rows.map((r) => r.id)).toEqual(['console-answered', 'console-failed', 'console-refused']);
    expect(rows.map((r) => r.isRefusal)).toEqual([false, null, true]);
    expect(rows[0]!.costUsd).toBe(0.25);
    expect(rows[0]).not.toHaveProperty('output');
    expect((await listed(first.url, '?user=bob')).map((r) => r.id)).toEqual(['console-refused']);
    expect((await listed(first.url, '?status=error')).map((r) => r.id)).toEqual(['console-failed']);
    expect((await listed(first.url, '?model=sim-large&id=REFUSED')).map((r) => r.id)).toEqual(['console-refused']);
    expect((await listed(first.url, '?limit=1')).map((r) => r.id)).toEqual(['console-answered']);
    expect((await fetch(`${first.url}/v1/console/requests?status=exploded`)).status).toBe(400);

    const detail = await fetch(`${first.url}/v1/console/requests/console-failed`);
    expect(await detail.json()).toMatchObject({ id: 'console-failed', status: 'error', errorCode: 'UPSTREAM_TIMEOUT', logQuery: `grep -F '"request_id":"console-failed"'`, traceUrl: null });
    expect((await fetch(`${first.url}/v1/console/requests/console-unknown`)).status).toBe(404);
  });

  it('keeps and shows the output only when LOG_PROMPTS allows it', async () => {
    // a prefix of its own: whichever replica consumes an event decides what is kept
    const prefix = `${redis.prefix}prompts`;
    const showing = await quality({ LOG_PROMPTS: 'true', QUEUE_PREFIX: prefix });
    const ownEvents = new EventQueue(redis.url, prefix);
    const event = generationEvent({ requestId: 'console-with-output', output: 'the answer text', trace: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
    await ownEvents.publish(event);
    await ownEvents.close();
    await waitFor(async () => expect((await fetch(`${showing.url}/v1/console/requests/console-with-output`)).status).toBe(200), { timeoutMs: 10_000 });
    expect(await (await fetch(`${showing.url}/v1/console/requests/console-with-output`)).json()).toMatchObject({
      output: 'the answer text',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      traceUrl: 'http://localhost:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736',
    });
    // a replica with LOG_PROMPTS off does not show what another one kept
    const hiding = await quality({ QUEUE_PREFIX: prefix });
    const hidden = await (await fetch(`${hiding.url}/v1/console/requests/console-with-output`)).json();
    expect(hidden).toMatchObject({ id: 'console-with-output' });
    expect(hidden).not.toHaveProperty('output');
  });
});
