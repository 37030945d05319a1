import { Writable } from 'node:stream';
import { Agent, errors as undiciErrors } from 'undici';
import { injectTraceCarrier } from '@tokenscope/tracing';
import type { ListedModel, ServedModel } from '../../config/model-catalog.js';
import {
  BackendError,
  type BackendResult,
  type EmbeddingResult,
  type GenerationBackend,
  type GenerationRequest,
  type RelayResult,
  type RelaySink,
  type TokenSink,
} from '../backend.js';
import { SSE_LINE_LIMIT_CHARS, SseDecoder, SseLineTooLongError } from './sse-decoder.js';
import { StreamAccount, type EventReading, type ParsedBody, type UpstreamUsage } from './stream-account.js';

export interface OpenAiBackendOptions {
  apiKey: string | undefined;
  /** Longest wait for the upstream's headers, and between two body chunks. */
  timeoutMs: number;
  connections: number;
  /** Largest non-streamed answer relayed to a client. */
  responseLimitBytes: number;
}

const ERROR_BODY_LIMIT_BYTES = 64 * 1024;
const UPSTREAM_MESSAGE_LIMIT_CHARS = 300;

/**
 * Any OpenAI-compatible server (vLLM, TGI's Messages API, llama.cpp server, Ollama, hosted APIs).
 *
 * chat/completions and completions are relayed (`relay`): the upstream gets the client's body and
 * the client gets the upstream's own events or body, byte for byte but for the documented changes
 * (the model name where the client asked for another, the usage chunk the gateway asked for). The
 * gateway reads each event only for accounting.
 *
 * /v1/generate, the seed's own API, is served through `generate`: always streamed from the
 * upstream (so its TTFT is measured even for one JSON answer) and rendered by the gateway.
 * Streams always ask for `stream_options.include_usage`, so token counts are the upstream's own.
 */
export class OpenAiBackend implements GenerationBackend {
  private readonly agent: Agent;

  constructor(
    private readonly upstreams: readonly string[],
    private readonly options: OpenAiBackendOptions,
  ) {
    this.agent = new Agent({
      connections: options.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async readinessProblem(): Promise<string | undefined> {
    const problems = await Promise.all(
      this.upstreams.map(async (origin) => {
        try {
          const response = await this.agent.request({
            origin,
            path: '/v1/models',
            method: 'GET',
            headers: this.headers(),
            headersTimeout: 2000,
            bodyTimeout: 2000,
          });
          await response.body.dump();
          return response.statusCode < 500 ? undefined : `upstream ${origin} answers ${response.statusCode}`;
        } catch (error) {
          return `upstream ${origin} unreachable (${describeNetworkError(error)})`;
        }
      }),
    );
    return problems.find((p) => p !== undefined);
  }

  /** The upstream's `GET /v1/models` (zero-config upstream), or why it could not be read. */
  async listModels(origin: string): Promise<ListedModel[]> {
    let response;
    try {
      response = await this.agent.request({ origin, path: '/v1/models', method: 'GET', headers: this.headers(), headersTimeout: 5000, bodyTimeout: 5000 });
    } catch (error) {
      throw new Error(`upstream ${origin} unreachable (${describeNetworkError(error)})`);
    }
    const text = await readBounded(response.body, ERROR_BODY_LIMIT_BYTES * 16);
    if (response.statusCode >= 400) throw new Error(`upstream ${origin} answers ${response.statusCode} on GET /v1/models`);
    return parseModelList(text);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async generate(request: GenerationRequest, signal: AbortSignal, sink: TokenSink): Promise<BackendResult> {
    const { path, body } = upstreamRequestOf(request);
    const isChat = path === '/v1/chat/completions';
    const account = new StreamAccount(isChat ? '"content":"' : '"text":"', isChat, true);
    const relay = new UpstreamEvents((_block, _text, events) => {
      let pending: Promise<void> | undefined;
      for (const payload of events) {
        if (isOver(account)) break;
        const reading = account.read(payload);
        const wait = reading.text ? sink.token(reading.text) : undefined;
        if (wait) pending = wait;
      }
      return pending;
    });
    await this.call(request, path, JSON.stringify(body), signal, () => relay);
    return streamResult(account, this.options.apiKey);
  }

  async relay(request: GenerationRequest, signal: AbortSignal, sink: RelaySink): Promise<RelayResult> {
    const isChat = request.endpoint === 'chat.completions';
    const path = isChat ? '/v1/chat/completions' : '/v1/completions';
    const choices = request.relayBody?.n;
    const account = new StreamAccount(isChat ? '"content":"' : '"text":"', isChat, typeof choices !== 'number' || choices <= 1);
    const rename = modelRenaming(request.model);
    const body = relayedRequestBody(request);

    if (!request.isStreaming) {
      const collector = new BoundedCollector(this.options.responseLimitBytes);
      await this.call(request, path, body, signal, () => collector);
      if (collector.isOverLimit) {
        throw new BackendError('UPSTREAM_ERROR', `the upstream's answer is larger than ${this.options.responseLimitBytes} bytes (UPSTREAM_RESPONSE_LIMIT_BYTES)`);
      }
      const text = collector.text();
      let parsed: ParsedBody;
      try {
        parsed = JSON.parse(text) as ParsedBody;
      } catch {
        throw new BackendError('UPSTREAM_ERROR', 'the upstream answered with a body that is not JSON');
      }
      if (parsed === null || typeof parsed !== 'object' || !Array.isArray(parsed.choices)) {
        throw new BackendError('UPSTREAM_ERROR', 'the upstream answered without choices');
      }
      const output = account.readBody(parsed);
      if (rename && parsed.model === request.model.upstreamModel) parsed.model = request.model.name;
      return { finishReason: account.finishReason ?? 'stop', usage: account.usage, body: rename ? JSON.stringify(parsed) : text, output };
    }

    // what the client gets of an event: the gateway's [DONE] ends the stream, errors end the answer,
    // and the usage chunk the gateway asked for goes only to a client that asked too
    const isRelayed = (reading: EventReading) => reading.kind === 'chunk' || (reading.kind === 'usage' && request.includeUsage);
    const relay = new UpstreamEvents((block, blockText, events, isWhole) => {
      const readings: Array<[string, EventReading]> = [];
      let isBlockRelayed = isWhole;
      let hasToken = false;
      let text = '';
      for (const payload of events) {
        if (isOver(account)) {
          isBlockRelayed = false;
          break;
        }
        const reading = account.read(payload);
        readings.push([payload, reading]);
        isBlockRelayed &&= isRelayed(reading);
        hasToken ||= reading.hasToken;
        text += reading.text;
      }
      // the common case: the upstream's bytes as they came (model renamed where it must be), read but not rebuilt
      if (isBlockRelayed) {
        return sink.forward(rename ? rename(blockText) : block, hasToken, text);
      }
      let pending: Promise<void> | undefined;
      for (const [payload, reading] of readings) {
        if (!isRelayed(reading)) continue;
        const wait = sink.forward(`data: ${rename ? rename(payload) : payload}\n\n`, reading.hasToken, reading.text);
        if (wait) pending = wait;
      }
      return pending;
    });
    await this.call(request, path, body, signal, () => relay);
    return { ...streamResult(account, this.options.apiKey), body: undefined, output: '' };
  }

  async embed(request: GenerationRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    const rename = modelRenaming(request.model);
    const collector = new BoundedCollector(this.options.responseLimitBytes);
    await this.call(request, '/v1/embeddings', relayedRequestBody(request), signal, () => collector);
    if (collector.isOverLimit) {
      throw new BackendError('UPSTREAM_ERROR', `the upstream's answer is larger than ${this.options.responseLimitBytes} bytes (UPSTREAM_RESPONSE_LIMIT_BYTES)`);
    }
    const text = collector.text();
    let parsed: { model?: unknown; data?: unknown; usage?: UpstreamUsage | null };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new BackendError('UPSTREAM_ERROR', 'the upstream answered with a body that is not JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || !Array.isArray(parsed.data)) throw new BackendError('UPSTREAM_ERROR', 'the upstream answered without data');
    const promptTokens = typeof parsed.usage?.prompt_tokens === 'number' ? parsed.usage.prompt_tokens : undefined;
    if (rename && parsed.model === request.model.upstreamModel) parsed.model = request.model.name;
    return { body: rename ? JSON.stringify(parsed) : text, usage: promptTokens === undefined ? undefined : { promptTokens, completionTokens: 0 } };
  }

  /** One upstream call; a status of 400 or more becomes a BackendError with the upstream's words. */
  private async call(request: GenerationRequest, path: string, body: string, signal: AbortSignal, onSuccess: () => Writable): Promise<void> {
    let failure: { statusCode: number; headers: Record<string, string | string[] | undefined>; body: BoundedCollector } | undefined;
    let hasStarted = false;
    try {
      await this.agent.stream(
        {
          origin: request.model.upstreamUrl!,
          path,
          method: 'POST',
          headers: { ...this.headers(), 'content-type': 'application/json', accept: request.isStreaming || request.endpoint === 'generate' ? 'text/event-stream' : 'application/json', ...traceHeaders() },
          body,
          signal,
        },
        ({ statusCode, headers }) => {
          if (statusCode < 400) {
            hasStarted = true;
            return onSuccess();
          }
          failure = { statusCode, headers, body: new BoundedCollector(ERROR_BODY_LIMIT_BYTES) };
          return failure.body;
        },
      );
    } catch (error) {
      throw translateError(error, signal, hasStarted);
    }
    if (failure) throw upstreamStatusError(failure.statusCode, failure.headers, failure.body.text(), this.options.apiKey);
  }

  private headers(): Record<string, string> {
    return this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {};
  }
}

function traceHeaders(): Record<string, string> {
  const carrier = injectTraceCarrier();
  return carrier.traceparent ? { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) } : {};
}

/** Nothing after an error or [DONE] belongs to the answer. */
function isOver(account: StreamAccount): boolean {
  return account.isDone || account.errorMessage !== undefined;
}

/** How a streamed answer ended: an error event, [DONE] without a finish reason, or no [DONE] are all failures. */
function streamResult(account: StreamAccount, apiKey: string | undefined): BackendResult {
  if (account.errorMessage !== undefined) {
    throw new BackendError('UPSTREAM_STREAM_ERROR', `the upstream failed during the answer: ${redact(account.errorMessage, apiKey)}`);
  }
  if (!account.isDone) throw new BackendError('UPSTREAM_STREAM_CUT', 'the upstream ended the stream before finishing the answer');
  if (account.finishReason === null) throw new BackendError('UPSTREAM_STREAM_CUT', 'the upstream ended the stream without a finish reason');
  return { finishReason: account.finishReason, usage: account.usage };
}

/**
 * The client's body as the upstream gets it: the upstream's model name, usage asked for in
 * streams (the relay drops that chunk again unless the client asked too), and without
 * tokenscope's own `context` field.
 */
export function relayedRequestBody(request: GenerationRequest): string {
  const body: Record<string, unknown> = { ...request.relayBody, model: request.model.upstreamModel };
  delete body.context;
  if (request.isStreaming) {
    const asked = body.stream_options;
    body.stream_options = { ...(asked !== null && typeof asked === 'object' ? asked : {}), include_usage: true };
  }
  return JSON.stringify(body);
}

/**
 * Renames the upstream's model to the one the client asked for, where they differ (e.g. an alias
 * in MODELS_FILE), in one event or a block of them. Inside a JSON string quotes are escaped, so
 * the unescaped `"model":"…"` only ever matches a key.
 */
function modelRenaming(model: ServedModel): ((events: string) => string) | undefined {
  if (model.upstreamModel === model.name) return undefined;
  const upstream = `"model":${JSON.stringify(model.upstreamModel)}`;
  const served = `"model":${JSON.stringify(model.name)}`;
  return (events) => events.replaceAll(upstream, served);
}

/** The models of an OpenAI `GET /v1/models` answer, in the upstream's order. */
export function parseModelList(text: string): ListedModel[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('GET /v1/models did not answer JSON');
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new Error('GET /v1/models answered without a data list');
  const models: ListedModel[] = [];
  const seen = new Set<string>();
  for (const entry of data as Array<{ id?: unknown; max_model_len?: unknown }>) {
    if (typeof entry?.id !== 'string' || entry.id.length === 0 || entry.id.length > 128 || seen.has(entry.id)) continue;
    seen.add(entry.id);
    const maxModelLength = typeof entry.max_model_len === 'number' && entry.max_model_len > 0 ? entry.max_model_len : undefined;
    models.push({ id: entry.id, maxModelLength });
  }
  return models;
}

/** The upstream call for a request the gateway renders itself (/v1/generate): chat completions, streamed, with usage. */
export function upstreamRequestOf(request: GenerationRequest): { path: string; body: Record<string, unknown> } {
  const common: Record<string, unknown> = {
    model: request.model.upstreamModel,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.topP !== undefined) common.top_p = request.topP;
  if (request.seed !== undefined) common.seed = request.seed;
  if (request.stop !== undefined) common.stop = request.stop;
  const input = request.input;
  const messages = input.kind === 'chat' ? input.messages : [{ role: 'user', content: input.kind === 'prompt' ? input.prompt : input.texts.join('\n') }];
  return { path: '/v1/chat/completions', body: { ...common, messages } };
}

function upstreamStatusError(status: number, headers: Record<string, string | string[] | undefined>, bodyText: string, apiKey: string | undefined): BackendError {
  let message = '';
  try {
    const parsed = JSON.parse(bodyText) as { error?: { message?: unknown } | string; message?: unknown };
    const raw = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    // some servers quote the credentials they were sent back in their errors: ours never reach the client
    if (typeof raw === 'string') message = redact(raw, apiKey).slice(0, UPSTREAM_MESSAGE_LIMIT_CHARS);
  } catch {
    // an unreadable error body leaves the generic message
  }
  if (status === 429) {
    const retryAfter = Number(headers['retry-after']);
    return new BackendError('UPSTREAM_RATE_LIMITED', 'the upstream is rate limiting requests', {
      upstreamStatus: status,
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : 1,
    });
  }
  if (status === 400 || status === 413 || status === 422) {
    // the upstream judged the request itself invalid (e.g. longer than the context window): its
    // own answer goes back to the client (a relayed API shows it as it is), our credentials redacted
    return new BackendError('UPSTREAM_REJECTED', `the upstream rejected the request: ${message || `status ${status}`}`, {
      upstreamStatus: status,
      ...(isJson(bodyText) ? { upstreamBody: redact(bodyText, apiKey) } : {}),
    });
  }
  return new BackendError('UPSTREAM_ERROR', `the upstream failed with status ${status}`, { upstreamStatus: status });
}

// some servers quote the credentials they were sent back in their errors: ours never reach the client
function redact(text: string, apiKey: string | undefined): string {
  return apiKey ? text.split(apiKey).join('[redacted]') : text;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function readBounded(body: AsyncIterable<Buffer>, limitBytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let received = 0;
  for await (const chunk of body) {
    received += chunk.length;
    if (received > limitBytes) throw new Error(`answer larger than ${limitBytes} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Keeps the first `limitBytes` of a body and notes whether there was more. */
class BoundedCollector extends Writable {
  private readonly parts: Buffer[] = [];
  private received = 0;

  constructor(private readonly limitBytes: number) {
    super();
  }

  get isOverLimit(): boolean {
    return this.received > this.limitBytes;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (this.received + chunk.length <= this.limitBytes) this.parts.push(chunk);
    this.received += chunk.length;
    callback();
  }

  text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }
}

/**
 * What arrived from the upstream, cut at the last event boundary: `block` holds whole events only
 * (a partial event waits for the next chunk), `events` their data payloads. `isWhole` is false
 * only for what a stream leaves without a closing blank line.
 */
type BlockHandler = (block: Buffer, text: string, events: string[], isWhole: boolean) => Promise<void> | undefined;

/**
 * Receives the upstream's event stream chunk by chunk (undici writes into it directly: no
 * Readable, no async iterator) and hands it on in blocks of whole events. A chunk is acknowledged
 * only once the client took its events, so a slow client slows the upstream read instead of
 * growing a buffer here.
 */
class UpstreamEvents extends Writable {
  private readonly decoder = new SseDecoder();
  /** Bytes of an event not finished yet: at most one line limit. */
  private tail: Buffer | undefined;

  constructor(private readonly onBlock: BlockHandler) {
    super({ decodeStrings: true });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let pending: Promise<void> | undefined;
    try {
      const bytes = this.tail ? Buffer.concat([this.tail, chunk]) : chunk;
      const end = lastEventEnd(bytes);
      if (end === 0) {
        // a hostile or broken upstream that never ends an event must not grow this buffer without bound
        if (bytes.length > SSE_LINE_LIMIT_CHARS) throw new SseLineTooLongError();
        this.tail = bytes;
        callback();
        return;
      }
      this.tail = end < bytes.length ? Buffer.from(bytes.subarray(end)) : undefined;
      const block = end < bytes.length ? bytes.subarray(0, end) : bytes;
      // the block ends at an ASCII blank line, so it never splits a UTF-8 character
      const text = block.toString('utf8');
      pending = this.onBlock(block, text, this.decoder.push(text), true);
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (pending) pending.then(() => callback(), callback);
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      const rest = this.tail?.toString('utf8') ?? '';
      const events = [...this.decoder.push(rest), ...this.decoder.end()];
      if (events.length > 0) void this.onBlock(Buffer.from(rest), rest, events, false);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback();
  }
}

/** Where the last whole event of `bytes` ends (after its blank line, LF or CRLF), 0 when none does. */
function lastEventEnd(bytes: Buffer): number {
  // the common case, a chunk that ends with its event, without scanning it
  const length = bytes.length;
  if (length >= 2 && bytes[length - 1] === 10 && bytes[length - 2] === 10) return length;
  const lf = bytes.lastIndexOf('\n\n');
  const crlf = bytes.lastIndexOf('\n\r\n');
  return Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 3);
}

function translateError(error: unknown, signal: AbortSignal, isMidStream: boolean): unknown {
  if (signal.aborted) return signal.reason ?? error;
  if (error instanceof BackendError) return error;
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new BackendError('UPSTREAM_TIMEOUT', isMidStream ? 'the upstream stopped sending in the middle of the answer' : 'the upstream did not answer in time');
  }
  if (isMidStream) return new BackendError('UPSTREAM_STREAM_CUT', 'the upstream connection broke in the middle of the answer');
  return new BackendError('UPSTREAM_UNAVAILABLE', `the upstream cannot be reached (${describeNetworkError(error)})`);
}

function describeNetworkError(error: unknown): string {
  const code = (error as { code?: string }).code;
  return code ?? (error as Error).name ?? 'error';
}
