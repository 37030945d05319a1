import { Agent, errors as undiciErrors } from 'undici';
import { injectTraceCarrier } from '@tokenscope/tracing';
import type { ServedModel } from '../../config/model-catalog.js';
import { BackendError, type BackendEvent, type GenerationBackend, type GenerationRequest, type TokenUsage } from '../backend.js';
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

  async *stream(request: GenerationRequest, signal: AbortSignal): AsyncIterable<BackendEvent> {
    const { path, body } = upstreamRequestOf(request);
    let response: Awaited<ReturnType<Agent['request']>>;
    try {
      response = await this.agent.request({
        origin: request.model.upstreamUrl!,
        path,
        method: 'POST',
        headers: { ...this.headers(), 'content-type': 'application/json', accept: 'text/event-stream', ...traceHeaders() },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      throw translateError(error, signal, false);
    }

    if (response.statusCode >= 400) throw await upstreamStatusError(response);

    const decoder = new SseDecoder();
    let finishReason: string | null = null;
    let usage: TokenUsage | undefined;
    let isDone = false;
    const handle = (payload: string): BackendEvent | undefined => {
      if (payload === '[DONE]') {
        isDone = true;
        return undefined;
      }
      let chunk: StreamChunk;
      try {
        chunk = JSON.parse(payload) as StreamChunk;
      } catch {
        return undefined; // a malformed chunk is skipped, not fatal
      }
      if (chunk.usage && typeof chunk.usage.completion_tokens === 'number') {
        usage = { promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens };
      }
      const choice = chunk.choices?.[0];
      if (!choice) return undefined;
      if (choice.finish_reason) finishReason = choice.finish_reason;
      const text = choice.delta?.content ?? choice.text;
      return text ? { type: 'token', text } : undefined;
    };

    try {
      response.body.setEncoding('utf8');
      for await (const chunk of response.body as AsyncIterable<string>) {
        for (const payload of decoder.push(chunk)) {
          const event = handle(payload);
          if (event) yield event;
        }
      }
      for (const payload of decoder.end()) {
        const event = handle(payload);
        if (event) yield event;
      }
    } catch (error) {
      throw translateError(error, signal, true);
    } finally {
      // a consumer that stops early (client gone) must not leave the socket half-read
      if (!response.body.destroyed) response.body.destroy();
    }
    if (!isDone && finishReason === null) {
      throw new BackendError('UPSTREAM_STREAM_CUT', 'the upstream ended the stream before finishing the answer');
    }
    yield { type: 'end', finishReason: finishReason ?? 'stop', usage };
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

async function upstreamStatusError(response: Awaited<ReturnType<Agent['request']>>): Promise<BackendError> {
  const status = response.statusCode;
  let message = '';
  try {
    let received = 0;
    const parts: Buffer[] = [];
    for await (const part of response.body as AsyncIterable<Buffer>) {
      received += part.length;
      if (received > ERROR_BODY_LIMIT_BYTES) break;
      parts.push(part);
    }
    const parsed = JSON.parse(Buffer.concat(parts).toString('utf8')) as { error?: { message?: unknown } | string; message?: unknown };
    const raw = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof raw === 'string') message = raw.slice(0, UPSTREAM_MESSAGE_LIMIT_CHARS);
  } catch {
    // an unreadable error body leaves the generic message
  } finally {
    if (!response.body.destroyed) response.body.destroy();
  }
  if (status === 429) {
    const retryAfter = Number(response.headers['retry-after']);
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
