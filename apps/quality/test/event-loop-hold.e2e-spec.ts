import { EVENT_TEXT_LIMIT_CHARS, GENERATION_COMPLETED } from '@tokenscope/queue-contracts';
import { EVENT_LOOP_HOLD_LIMIT_MS, leastHold, PATHOLOGICAL_KINDS, pathologicalText, waitFor, type PathologicalKind } from '@tokenscope/testing';
import { COMMENT_LIMIT_CHARS } from '../src/feedback/feedback.dto.js';
import { generationEvent, useQuality, writeRequestRecord } from './quality-harness.js';

const BODY_LIMIT_BYTES = 64 * 1024;
const FIELD_BYTES = BODY_LIMIT_BYTES - 256;

interface HttpCase {
  name: string;
  method: 'GET' | 'POST';
  path: (variant: number) => string;
  body?: (variant: number) => string;
}

describe('event-loop hold per quality-service request and event', () => {
  const running = useQuality();

  it('consumes generation events with pathological outputs and contexts without holding the event loop over 50 ms', async () => {
    const { redis, client, events, quality } = running;
    const holds: Record<string, number> = {};
    const outcomes: Record<string, string> = {};
    let sequence = 0;
    const eventCase = async (name: string, fields: (variant: number) => { output: string; context: string[] | null }) => {
      let requestId = '';
      const hold = await leastHold(
        async () => {
          // the delay lets the measurement start before the worker takes the job
          await waitFor(async () => expect(['completed', 'failed']).toContain(await events.queue.getJobState(requestId)), { timeoutMs: 60_000, intervalMs: 10 });
          outcomes[name] = await events.queue.getJobState(requestId);
        },
        {
          prepare: async (variant) => {
            const event = generationEvent({ ...fields(variant), requestId: `hold-${process.pid}-${++sequence}` });
            requestId = event.requestId;
            await events.queue.add(GENERATION_COMPLETED, event, { jobId: requestId, delay: 100 });
          },
        },
      );
      holds[name] = Math.round(hold.cpuMs * 10) / 10;
    };
    const limit = (text: string) => text.slice(0, EVENT_TEXT_LIMIT_CHARS);
    for (const kind of PATHOLOGICAL_KINDS) {
      await eventCase(`output of ${kind}, with a context of 64 documents of it`, (v) => {
        const text = limit(pathologicalText(kind, EVENT_TEXT_LIMIT_CHARS, v));
        return { output: text, context: Array.from({ length: 64 }, (_, i) => limit(pathologicalText(kind, EVENT_TEXT_LIMIT_CHARS, v * 64 + i + 1))) };
      });
    }
    // a context with words, so that the groundedness check splits the output into sentences
    await eventCase('an emoji, a terminator and 32,766 closing brackets, with an English context', (v) => ({
      output: limit(pathologicalText('an emoji, a terminator, then closing brackets', EVENT_TEXT_LIMIT_CHARS, v)),
      context: [pathologicalText('English prose', 4096, v)],
    }));
    await eventCase('8,000 blank lines then a refusal', (v) => ({ output: `${'\n'.repeat(8000 + v)}I'm sorry, but I can't help with that.`, context: null }));
    expect(Object.entries(outcomes).filter(([, state]) => state !== 'completed')).toEqual([]);
    if (process.env.EVENT_LOOP_HOLD_REPORT) console.log(JSON.stringify(holds, null, 1));
    expect({ over: Object.entries(holds).filter(([, ms]) => ms > EVENT_LOOP_HOLD_LIMIT_MS), holds }).toEqual({ over: [], holds });
  }, 900_000);

  it('serves every route with pathological bodies up to its body limit without holding the event loop over 50 ms', async () => {
    const { redis, client, events, quality } = running;
    await writeRequestRecord(client, redis.prefix, 'hold-voted', { userId: 'anonymous' });
    const text = (kind: PathologicalKind, variant: number) => pathologicalText(kind, FIELD_BYTES, variant);
    const cases: HttpCase[] = [];
    for (const kind of PATHOLOGICAL_KINDS) {
      cases.push({ name: `feedback: a comment of ${kind}`, method: 'POST', path: () => '/v1/feedback', body: (v) => JSON.stringify({ request_id: 'hold-voted', thumbs_up: v % 2 === 0, comment: text(kind, v).slice(0, COMMENT_LIMIT_CHARS) }) });
    }
    cases.push(
      { name: 'feedback: a comment of 64 KiB (over its limit)', method: 'POST', path: () => '/v1/feedback', body: (v) => JSON.stringify({ request_id: 'hold-voted', thumbs_up: true, comment: text('random letters, no space', v) }) },
      { name: 'feedback: a request id of 64 KiB', method: 'POST', path: () => '/v1/feedback', body: (v) => JSON.stringify({ request_id: text('one word of a single letter', v), thumbs_up: true }) },
      { name: 'feedback: nested arrays', method: 'POST', path: () => '/v1/feedback', body: () => `{"request_id":${'['.repeat(FIELD_BYTES / 2)}${']'.repeat(FIELD_BYTES / 2)}}` },
      { name: 'feedback: a body of just closing brackets', method: 'POST', path: () => '/v1/feedback', body: () => ')'.repeat(FIELD_BYTES) },
      { name: 'quality window', method: 'GET', path: () => '/v1/quality' },
      { name: 'spend: a user id of 8 KiB', method: 'GET', path: (v) => `/v1/spend/${text('random letters, no space', v).slice(0, 8000)}` },
      { name: 'spend: a user', method: 'GET', path: () => '/v1/spend/alice' },
      { name: 'healthz', method: 'GET', path: () => '/healthz' },
      { name: 'readyz', method: 'GET', path: () => '/readyz' },
      { name: 'metrics', method: 'GET', path: () => '/metrics' },
    );
    const holds: Record<string, number> = {};
    const statuses: Record<string, number> = {};
    for (const c of cases) {
      let request: { path: string; body: string | undefined } = { path: '', body: undefined };
      const hold = await leastHold(
        async () => {
          const response = await fetch(`${quality.url}${request.path}`, { method: c.method, headers: request.body ? { 'content-type': 'application/json' } : {}, body: request.body });
          await response.arrayBuffer();
          statuses[c.name] = response.status;
        },
        { prepare: (v) => (request = { path: c.path(v), body: c.body?.(v) }) },
      );
      holds[c.name] = Math.round(hold.cpuMs * 10) / 10;
    }
    // refusals count as much as answers; what matters is that each was answered, not by a 5xx
    expect(Object.entries(statuses).filter(([, status]) => status >= 500)).toEqual([]);
    expect(statuses['feedback: a comment of English prose']).toBe(200);
    expect(statuses['feedback: a comment of 64 KiB (over its limit)']).toBe(400);
    if (process.env.EVENT_LOOP_HOLD_REPORT) console.log(JSON.stringify(holds, null, 1));
    expect({ over: Object.entries(holds).filter(([, ms]) => ms > EVENT_LOOP_HOLD_LIMIT_MS), holds }).toEqual({ over: [], holds });
  }, 900_000);
});
