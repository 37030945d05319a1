import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export type UpstreamFault =
  | { kind: 'none' }
  | { kind: 'status'; status: number; afterMs?: number }
  | { kind: 'hang' }
  | { kind: 'cut'; afterTokens: number }
  | { kind: 'refuse-connections' };

export interface FakeUpstreamBehavior {
  /** Content chunks per answer (one token each). */
  tokens: number;
  ttftMs: number;
  interTokenMs: number;
  /** Send a usage chunk when the request asks for stream_options.include_usage. */
  reportsUsage: boolean;
  /** Prompt tokens reported in usage. */
  promptTokens: number;
  fault: UpstreamFault;
  /** The ids `GET /v1/models` lists. */
  models: string[];
  /** When set, every generation request is answered with this recorded exchange instead. */
  transcript: UpstreamTranscript | undefined;
  /**
   * When set, asked first for each generation request: an answer scripted from the request body
   * (e.g. a judge model's verdict), sent after `delayMs`; `undefined` falls through to the rest.
   */
  script: ((body: Record<string, unknown>) => (UpstreamTranscript & { delayMs?: number }) | undefined) | undefined;
}

/** What a real server sent for one request, replayed as it was (see upstream-transcripts.ts). */
export interface UpstreamTranscript {
  /** The text/event-stream body for a streamed request, sent one event per write. */
  stream?: string;
  /** The JSON body for a request that did not ask to stream. */
  body?: unknown;
  /** The status of the answer (200 when unset). */
  status?: number;
}

export interface ReceivedRequest {
  path: string;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

export interface FakeUpstream {
  url: string;
  behavior: FakeUpstreamBehavior;
  received: ReceivedRequest[];
  /** Requests whose client closed the connection before the answer ended. */
  abortedCount(): number;
  /** Connections currently open. */
  openConnections(): number;
  close(): Promise<void>;
}

const DEFAULT_BEHAVIOR: FakeUpstreamBehavior = {
  tokens: 8,
  ttftMs: 0,
  interTokenMs: 0,
  reportsUsage: true,
  promptTokens: 11,
  fault: { kind: 'none' },
  models: ['upstream-model'],
  transcript: undefined,
  script: undefined,
};

const WORDS = [' alpha', ' beta', ' gamma', ' delta', ' epsilon', ' zeta', ' eta', ' theta'];

/** The text the fake upstream streams for an answer of n tokens (for assertions). */
export function fakeUpstreamText(tokens: number): string {
  let text = '';
  for (let i = 0; i < tokens; i++) text += WORDS[i % WORDS.length];
  return text;
}

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

/**
 * An OpenAI-compatible server (chat and text completions, plain and SSE) whose timing, usage
 * reporting and faults the test sets. It speaks what vLLM speaks, so the gateway's `openai`
 * backend is tested over real HTTP.
 */
export async function startFakeUpstream(initial: Partial<FakeUpstreamBehavior> = {}, port = 0): Promise<FakeUpstream> {
  const behavior: FakeUpstreamBehavior = { ...DEFAULT_BEHAVIOR, ...initial };
  const received: ReceivedRequest[] = [];
  let aborted = 0;
  const sockets = new Set<import('node:net').Socket>();

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    if (behavior.fault.kind === 'refuse-connections') {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: behavior.models.map((id) => ({ id, object: 'model', owned_by: 'fake', max_model_len: 8192 })) }));
      return;
    }
    const body = (chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {}) as Record<string, unknown>;
    received.push({ path, body, headers: req.headers });
    let isFinished = false;
    res.on('close', () => {
      if (!isFinished) aborted++;
    });

    const fault = behavior.fault;
    if (fault.kind === 'status') {
      await sleep(fault.afterMs ?? 0);
      res.writeHead(fault.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'upstream says no', type: 'server_error', code: null } }));
      isFinished = true;
      return;
    }
    if (fault.kind === 'hang') return; // never answers; the client must give up
    const scripted = behavior.script?.(body);
    if (scripted) {
      await sleep(scripted.delayMs ?? 0);
      if (!res.destroyed) await replay(scripted, body.stream === true, res);
      isFinished = true;
      return;
    }
    if (behavior.transcript) {
      await replay(behavior.transcript, body.stream === true, res);
      isFinished = true;
      return;
    }

    const isChat = path === '/v1/chat/completions';
    const model = String(body.model ?? 'upstream-model');
    const isStreaming = body.stream === true;
    const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const tokens = Math.min(behavior.tokens, typeof body.max_tokens === 'number' ? body.max_tokens : Infinity);
    const usage = { prompt_tokens: behavior.promptTokens, completion_tokens: tokens, total_tokens: behavior.promptTokens + tokens };
    const finishReason = tokens < behavior.tokens ? 'length' : 'stop';

    if (!isStreaming) {
      await sleep(behavior.ttftMs + behavior.interTokenMs * Math.max(0, tokens - 1));
      const text = fakeUpstreamText(tokens);
      const choice = isChat
        ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: finishReason }
        : { index: 0, text, finish_reason: finishReason };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'cmpl-fake',
          object: isChat ? 'chat.completion' : 'text_completion',
          created: 1,
          model,
          choices: [choice],
          ...(behavior.reportsUsage ? { usage } : {}),
        }),
      );
      isFinished = true;
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const object = isChat ? 'chat.completion.chunk' : 'text_completion';
    const head = `data: {"id":"cmpl-fake","object":"${object}","created":1,"model":${JSON.stringify(model)},"choices":[`;
    await sleep(behavior.ttftMs);
    for (let i = 0; i < tokens; i++) {
      if (i > 0) await sleep(behavior.interTokenMs);
      if (res.destroyed) return;
      if (fault.kind === 'cut' && i === fault.afterTokens) {
        res.socket?.destroy();
        return;
      }
      const word = JSON.stringify(WORDS[i % WORDS.length]);
      const choice = isChat
        ? `{"index":0,"delta":{${i === 0 ? '"role":"assistant",' : ''}"content":${word}},"finish_reason":null}`
        : `{"index":0,"text":${word},"finish_reason":null}`;
      // a real server respects TCP backpressure, and yields to its event loop now and then
      if (!res.write(`${head}${choice}]}\n\n`)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      else if (i % 64 === 63) await new Promise((r) => setImmediate(r));
    }
    const finalChoice = isChat
      ? `{"index":0,"delta":{},"finish_reason":"${finishReason}"}`
      : `{"index":0,"text":"","finish_reason":"${finishReason}"}`;
    res.write(`${head}${finalChoice}]}\n\n`);
    if (wantsUsage && behavior.reportsUsage) res.write(`${head}],"usage":${JSON.stringify(usage)}}\n\n`);
    res.write('data: [DONE]\n\n');
    isFinished = true;
    res.end();
  }

  async function replay(transcript: UpstreamTranscript, isStreaming: boolean, res: ServerResponse): Promise<void> {
    await sleep(behavior.ttftMs);
    if (!isStreaming || transcript.stream === undefined) {
      res.writeHead(transcript.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(transcript.body ?? {}));
      return;
    }
    res.writeHead(transcript.status ?? 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // one write per event, as a server that flushes each one
    for (let start = 0, i = 0; start < transcript.stream.length; i++) {
      const end = transcript.stream.indexOf('\n\n', start);
      const next = end === -1 ? transcript.stream.length : end + 2;
      if (i > 0) await sleep(behavior.interTokenMs);
      if (res.destroyed) return;
      res.write(transcript.stream.slice(start, next));
      start = next;
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: boundPort } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    behavior,
    received,
    abortedCount: () => aborted,
    openConnections: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
