import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { Agent, errors as undiciErrors } from 'undici';
import { injectTraceCarrier } from '@tokenscope/tracing';
import type { ServedModel } from '../../config/model-catalog.js';
import { BackendError, type BackendResult, type GenerationBackend, type GenerationRequest, type TokenSink, type TokenUsage } from '../backend.js';
import { plainChunkText } from './chunk-text.js';
import { SseDecoder } from './sse-decoder.js';

export interface OpenAiBackendOptions {
  apiKey: string | undefined;
  /** Longest wait for the upstream's headers, and between two body chunks. */
  timeoutMs: number;
  connections: number;
}

interface StreamChunk {
  choices?: Array<{ delta?: { content?: string | null }; text?: string | null; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

const ERROR_BODY_LIMIT_BYTES = 64 * 1024;
const UPSTREAM_MESSAGE_LIMIT_CHARS = 300;

/**
 * Any OpenAI-compatible server (vLLM, TGI's Messages API, llama.cpp server, Ollama, hosted
 * APIs). The gateway always streams from the upstream, even for a client that asked for one
 * JSON answer, so that time to first token is measured for every request; it always asks for
 * `stream_options.include_usage`, so token counts are the upstream's own where it reports them.
 */
export class OpenAiBackend implements GenerationBackend {
  private readonly agent: Agent;
  private readonly upstreams: string[];

  constructor(
    models: readonly ServedModel[],
    private readonly options: OpenAiBackendOptions,
  ) {
    this.agent = new Agent({
      connections: options.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    this.upstreams = [...new Set(models.flatMap((m) => (m.upstreamUrl ? [m.upstreamUrl] : [])))];
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

  async close(): Promise<void> {
    await this.agent.close();
  }

  async generate(request: GenerationRequest, signal: AbortSignal, sink: TokenSink): Promise<BackendResult> {
    const { path, body } = upstreamRequestOf(request);
    const relay = new UpstreamRelay(sink, path === '/v1/completions' ? '"text":"' : '"content":"');
    let failure: { statusCode: number; headers: Record<string, string | string[] | undefined>; body: ErrorBodyCollector } | undefined;
    try {
      await this.agent.stream(
        {
          origin: request.model.upstreamUrl!,
          path,
          method: 'POST',
          headers: { ...this.headers(), 'content-type': 'application/json', accept: 'text/event-stream', ...traceHeaders() },
          body: JSON.stringify(body),
          signal,
        },
        ({ statusCode, headers }) => {
          if (statusCode < 400) {
            relay.hasStarted = true;
            return relay;
          }
          failure = { statusCode, headers, body: new ErrorBodyCollector() };
          return failure.body;
        },
      );
    } catch (error) {
      throw translateError(error, signal, relay.hasStarted);
    }
    if (failure) throw upstreamStatusError(failure.statusCode, failure.headers, failure.body.text(), this.options.apiKey);
    return relay.result();
  }

  private headers(): Record<string, string> {
    return this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {};
  }
}

function traceHeaders(): Record<string, string> {
  const carrier = injectTraceCarrier();
  return carrier.traceparent ? { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) } : {};
}

/** The upstream call for a request: /v1/generate and chat use chat completions; completions stay completions. */
export function upstreamRequestOf(request: GenerationRequest): { path: string; body: Record<string, unknown> } {
  const common: Record<string, unknown> = {
    ...request.passthrough,
    model: request.model.upstreamModel,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.topP !== undefined) common.top_p = request.topP;
  if (request.seed !== undefined) common.seed = request.seed;
  if (request.stop !== undefined) common.stop = request.stop;
  if (request.endpoint === 'completions' && request.input.kind === 'prompt') {
    return { path: '/v1/completions', body: { ...common, prompt: request.input.prompt } };
  }
  const messages = request.input.kind === 'chat' ? request.input.messages : [{ role: 'user', content: request.input.prompt }];
  return { path: '/v1/chat/completions', body: { ...common, messages } };
}

function upstreamStatusError(status: number, headers: Record<string, string | string[] | undefined>, bodyText: string, apiKey: string | undefined): BackendError {
  let message = '';
  try {
    const parsed = JSON.parse(bodyText) as { error?: { message?: unknown } | string; message?: unknown };
    const raw = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    // some servers quote the credentials they were sent back in their errors: ours never reach the client
    if (typeof raw === 'string') message = (apiKey ? raw.split(apiKey).join('[redacted]') : raw).slice(0, UPSTREAM_MESSAGE_LIMIT_CHARS);
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
  if (status === 400 || status === 422) {
    // the upstream judged the request itself invalid (e.g. longer than the context window)
    return new BackendError('UPSTREAM_REJECTED', `the upstream rejected the request: ${message || `status ${status}`}`, { upstreamStatus: status });
  }
  return new BackendError('UPSTREAM_ERROR', `the upstream failed with status ${status}`, { upstreamStatus: status });
}

/** Keeps the first 64 KiB of an upstream error body, for its message. */
class ErrorBodyCollector extends Writable {
  private readonly parts: Buffer[] = [];
  private received = 0;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (this.received < ERROR_BODY_LIMIT_BYTES) this.parts.push(chunk);
    this.received += chunk.length;
    callback();
  }

  text(): string {
    return Buffer.concat(this.parts).toString('utf8').slice(0, ERROR_BODY_LIMIT_BYTES);
  }
}

/**
 * Receives the upstream's event stream chunk by chunk (undici writes into it directly: no
 * Readable, no async iterator) and hands each token to the sink. A chunk is acknowledged only
 * once the client took its tokens, so a slow client slows the upstream read instead of growing
 * a buffer here.
 */
class UpstreamRelay extends Writable {
  private readonly decoder = new SseDecoder();
  private readonly utf8 = new StringDecoder('utf8');
  private finishReason: string | null = null;
  private usage: TokenUsage | undefined;
  private isDone = false;
  /** The upstream answered with a success status: a failure from now on is a cut stream. */
  hasStarted = false;

  constructor(
    private readonly sink: TokenSink,
    private readonly textKey: '"content":"' | '"text":"',
  ) {
    super({ decodeStrings: true });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let pending: Promise<void> | undefined;
    for (const payload of this.decoder.push(this.utf8.write(chunk))) {
      const wait = this.handle(payload);
      if (wait) pending = wait;
    }
    if (pending) pending.then(() => callback(), callback);
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    for (const payload of this.decoder.push(this.utf8.end())) this.handle(payload);
    for (const payload of this.decoder.end()) this.handle(payload);
    callback();
  }

  result(): BackendResult {
    if (!this.isDone && this.finishReason === null) {
      throw new BackendError('UPSTREAM_STREAM_CUT', 'the upstream ended the stream before finishing the answer');
    }
    return { finishReason: this.finishReason ?? 'stop', usage: this.usage };
  }

  private handle(payload: string): Promise<void> | undefined {
    if (payload === '[DONE]') {
      this.isDone = true;
      return undefined;
    }
    const plainText = plainChunkText(payload, this.textKey);
    if (plainText !== undefined) return plainText ? this.sink.token(plainText) : undefined;
    let chunk: StreamChunk;
    try {
      chunk = JSON.parse(payload) as StreamChunk;
    } catch {
      return undefined; // a malformed chunk is skipped, not fatal
    }
    if (chunk.usage && typeof chunk.usage.completion_tokens === 'number') {
      this.usage = { promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens };
    }
    const choice = chunk.choices?.[0];
    if (!choice) return undefined;
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    const text = choice.delta?.content ?? choice.text;
    return text ? this.sink.token(text) : undefined;
  }
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
