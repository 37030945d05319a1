import { EVENT_LOOP_HOLD_LIMIT_MS, jsonBytes, leastHold, PATHOLOGICAL_KINDS, pathologicalText, type PathologicalKind } from '@tokenscope/testing';
import { useGateway } from './gateway-harness.js';

/** One request; its body is built (and serialised) before the measurement, so only the gateway's work counts. */
interface HoldCase {
  name: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** The body of one attempt: each attempt sends a different text of the same kind. */
  body?: (variant: number) => Buffer;
  /** Statuses the gateway may answer with: the bound holds for refusals as much as for answers. */
  statuses: number[];
}

const BODY_LIMIT_BYTES = 1_048_576;
// room for the JSON around the field and the other fields
const FIELD_BYTES = BODY_LIMIT_BYTES - 512;

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const text = (kind: PathologicalKind, variant: number, bytes = FIELD_BYTES) => pathologicalText(kind, bytes, variant);
const nestedArrays = (): Buffer => Buffer.from(`{"prompt":"x","context":${'['.repeat(FIELD_BYTES / 2)}${']'.repeat(FIELD_BYTES / 2)}}`);
const messagesOf = (count: number, contentBytes: number, variant: number) =>
  Array.from({ length: count }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: pathologicalText('random letters, no space', contentBytes, variant * count + i) }));
const contextOf = (documents: number, documentBytes: number, kind: PathologicalKind, variant: number) =>
  Array.from({ length: documents }, (_, i) => pathologicalText(kind, documentBytes, variant * documents + i));

function cases(): HoldCase[] {
  const out: HoldCase[] = [];
  const post = (name: string, path: string, body: (variant: number) => Buffer, statuses = [200]) => out.push({ name, method: 'POST', path, body, statuses });
  for (const kind of PATHOLOGICAL_KINDS) post(`generate: a prompt of ${kind}`, '/v1/generate', (v) => json({ prompt: text(kind, v), max_tokens: 64 }));
  post('generate, streamed: a prompt of random letters', '/v1/generate', (v) => json({ prompt: text('random letters, no space', v), stream: true, max_tokens: 64 }));
  post('generate: 64 context documents of 16 KiB of random letters', '/v1/generate', (v) => json({ prompt: 'Summarise.', context: contextOf(64, 16_000, 'random letters, no space', v) }));
  post('generate: 64 context documents of 16 KiB of English', '/v1/generate', (v) => json({ prompt: 'Summarise.', context: contextOf(64, 16_000, 'English prose', v) }));
  post('generate: 64 context documents of 32 KiB (over the body limit)', '/v1/generate', (v) => json({ prompt: 'Summarise.', context: contextOf(64, 32_768, 'English prose', v) }), [413]);
  post('generate: nested arrays as deep as the body limit allows', '/v1/generate', nestedArrays, [400]);
  post('generate: a body of just closing brackets', '/v1/generate', () => Buffer.from(')'.repeat(FIELD_BYTES)), [400]);
  post('generate: 1 MiB of letters that is not JSON', '/v1/generate', (v) => Buffer.from(text('random letters, no space', v)), [400]);
  const chat = (messages: unknown, extra: Record<string, unknown> = {}) => json({ model: 'sim-fast', messages, ...extra });
  post('chat: one message of random letters', '/v1/chat/completions', (v) => chat([{ role: 'user', content: text('random letters, no space', v) }]));
  post('chat: one message of a single-letter word', '/v1/chat/completions', (v) => chat([{ role: 'user', content: text('one word of a single letter', v) }]));
  post('chat: an emoji run', '/v1/chat/completions', (v) => chat([{ role: 'user', content: text('emoji run', v) }]));
  post('chat: 4,096 messages of 200 random letters', '/v1/chat/completions', (v) => chat(messagesOf(4096, 200, v)));
  post('chat, streamed: 4,096 messages with usage', '/v1/chat/completions', (v) => chat(messagesOf(4096, 200, v + 10), { stream: true, stream_options: { include_usage: true } }));
  post('completions: a prompt of random letters', '/v1/completions', (v) => json({ model: 'sim-fast', prompt: text('random letters, no space', v + 20) }));
  post('completions: a prompt of a CJK run', '/v1/completions', (v) => json({ model: 'sim-fast', prompt: text('CJK run', v + 20) }));
  post('embeddings: one input of random letters', '/v1/embeddings', (v) => json({ model: 'sim-fast', input: text('random letters, no space', v + 30) }));
  post('embeddings: 2,048 inputs of random letters', '/v1/embeddings', (v) => json({ model: 'sim-fast', input: Array.from({ length: 2048 }, (_, i) => pathologicalText('random letters, no space', 400, v * 2048 + i)), dimensions: 8 }));
  out.push({ name: 'faults: a 1 MiB word as a rate', method: 'PUT', path: '/admin/simulator/faults/sim-fast', body: (v) => json({ refusal_rate: text('one word of a single letter', v) }), statuses: [400] });
  out.push({ name: 'faults: nested arrays', method: 'PUT', path: '/admin/simulator/faults/sim-fast', body: nestedArrays, statuses: [400] });
  out.push({ name: 'faults: read', method: 'GET', path: '/admin/simulator/faults', statuses: [200] });
  for (const path of ['/v1/models', '/healthz', '/readyz', '/metrics', `/metrics?${'x='.repeat(3000)}`]) out.push({ name: `GET ${path.slice(0, 24)}`, method: 'GET', path, statuses: [200] });
  return out;
}

describe('event-loop hold per gateway request', () => {
  const running = useGateway();

  it('serves every endpoint with pathological bodies up to the body limit without holding the event loop over 50 ms', async () => {
    const all = cases();
    expect(jsonBytes(text('random letters, no space', 0))).toBeGreaterThan(FIELD_BYTES - 8);
    const holds: Record<string, number> = {};
    const wallHolds: Record<string, number> = {};
    const statuses: Record<string, number> = {};
    const oversized: string[] = [];
    for (const c of all) {
      let body: Buffer | undefined;
      const hold = await leastHold(
        async () => {
          const response = await fetch(`${running.gateway.url}${c.path}`, { method: c.method, headers: body ? { 'content-type': 'application/json' } : {}, body });
          await response.arrayBuffer();
          statuses[c.name] = response.status;
        },
        {
          prepare: (attempt) => {
            body = c.body?.(attempt);
            if (body && body.length > BODY_LIMIT_BYTES && !c.statuses.includes(413)) oversized.push(c.name);
          },
        },
      );
      holds[c.name] = Math.round(hold.cpuMs * 10) / 10;
      wallHolds[c.name] = Math.round(hold.wallMs * 10) / 10;
    }
    const unexpectedStatuses = all.filter((c) => !c.statuses.includes(statuses[c.name]!)).map((c) => `${c.name}: ${statuses[c.name]}`);
    const over = Object.entries(holds).filter(([, ms]) => ms > EVENT_LOOP_HOLD_LIMIT_MS);
    if (process.env.EVENT_LOOP_HOLD_REPORT) console.log(JSON.stringify({ cpuMs: holds, wallMs: wallHolds }, null, 1));
    // the holds of every case are in the failure message
    expect({ oversized, unexpectedStatuses, over, holds }).toEqual({ oversized: [], unexpectedStatuses: [], over: [], holds });
  }, 900_000);
});
