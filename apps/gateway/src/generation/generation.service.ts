import { Inject, Injectable, Logger } from '@nestjs/common';
import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { shownRequestId } from '@tokenscope/app-runtime';
import type { PriceTable, RequestCost } from '@tokenscope/cost';
import { EVENT_TEXT_LIMIT_CHARS, type GenerationEndpoint } from '@tokenscope/queue-contracts';
import { injectTraceCarrier, tracer } from '@tokenscope/tracing';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiPrincipal } from '@tokenscope/config';
import { Admission, type AdmissionClaim, type AdmissionTicket } from '../admission/admission.js';
import { BackendError, type GenerationRequest, type RelaySink, type TokenSink, type TokenUsage } from '../backends/backend.js';
import { BackendRouter } from '../backends/backend-router.js';
import { GENAI_OPERATION_NAMES, genAiProviderName } from '../genai/genai-attributes.js';
import { countInputTokens } from '../backends/input-tokens.js';
import { PRICE_TABLE } from '../config/price-table.token.js';
import { ERROR_MAPPINGS, openAiErrorBody } from '../http/error-mapping.js';
import { requestTraceContext } from '../http/request-context.js';
import { sendJson, SseWriter } from '../http/sse-writer.js';
import { loadTokenizer } from '../tokens/tokenizer.js';
import { ClientGoneError, GenerationError, type GenerationErrorCode } from './generation.errors.js';
import { GenerationRecorder } from './generation-recorder.js';
import { timingsOf } from './generation-timing.js';
import { GenerationRequestParser } from './request-parser.js';
import { responseFormatFor } from './response-formats.js';

/** What the model produced, however the request ended. */
interface Production {
  /** The answer text, kept up to EVENT_TEXT_LIMIT_CHARS (the event carries no more). */
  output: string;
  /** Characters of the answer beyond `output`, still counted when usage must be estimated. */
  outputCharsDropped: number;
  tokenEvents: number;
  /** Arrival to the first token written to the client. */
  ttftMs: number | undefined;
  /** Backend call to the first token received from it: the model server's own share of the TTFT. */
  upstreamTtftMs: number | undefined;
  finishReason: string | null;
  usage: TokenUsage | undefined;
  /** A relayed non-streamed answer: the upstream's body, as the client gets it. */
  body: string | undefined;
}

// about four characters a token: only for the part of an over-long answer the gateway did not keep
const CHARS_PER_TOKEN_ESTIMATE = 4;
const DONE_EVENT = 'data: [DONE]\n\n';
/**
 * Prompt tokens beyond the body's bytes that a chat template may add: a byte-level BPE token is at
 * least one byte, and the JSON around each message is longer than the template's tokens for it.
 */
const PROMPT_TEMPLATE_MARGIN_TOKENS = 64;
const NOTHING_USED = { tokens: 0, costUsd: 0 };


/**
 * Serves one generation request end to end: validation, the backend stream relayed to the
 * client as it arrives, and the facts of the outcome handed to the recorder exactly once,
 * whatever happens (success, backend failure, client gone, bad input).
 */
@Injectable()
export class GenerationService {
  private readonly logger = new Logger('generation');

  constructor(
    private readonly parser: GenerationRequestParser,
    private readonly backends: BackendRouter,
    private readonly recorder: GenerationRecorder,
    private readonly admission: Admission,
    @Inject(PRICE_TABLE) private readonly prices: PriceTable,
  ) {}

  async serve(endpoint: GenerationEndpoint, body: unknown, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    reply.hijack();
    // watched from the start: a client that leaves during admission (budget read, id claim) is not served
    const abort = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) abort.abort(new ClientGoneError());
    };
    reply.raw.once('close', onClose);
    const endDeadlines = this.admission.limitDuration(reply.raw);
    let generation: GenerationRequest | undefined;
    let principal: ApiPrincipal | undefined;
    let ticket: AdmissionTicket;
    try {
      principal = this.admission.authenticate(request.headers);
      generation = this.parser.parse(endpoint, body, {
        requestId: shownRequestId(request),
        userIdHeader: headerValue(request.headers['x-user-id']),
      });
      // with API keys the key decides who the user is, whatever the body says
      if (principal) generation = { ...generation, userId: principal.userId };
      ticket = await this.admission.admit(this.claimOf(generation, principal, request.bodyBytes));
    } catch (error) {
      endDeadlines();
      reply.raw.off('close', onClose);
      this.reject(endpoint, body, error, request, reply, { parsed: generation, principal });
      return;
    }
    let used = NOTHING_USED;
    try {
      for (const [name, value] of Object.entries(ticket.headers)) reply.raw.setHeader(name, value);
      // the caller's id names this request only if no other request holds it (never an identity)
      const publicId = request.clientRequestId ? await this.admission.records.claim(request.clientRequestId, request.id, { userId: generation.userId, model: generation.model.name }) : request.id;
      if (publicId !== generation.requestId) reply.raw.setHeader('x-request-id', publicId);
      generation = { ...generation, requestId: publicId };
      if (abort.signal.aborted) this.reject(endpoint, body, abort.signal.reason, request, reply, { parsed: generation, principal });
      else used = await this.generate(generation, request, reply, abort);
    } finally {
      endDeadlines();
      reply.raw.off('close', onClose);
      ticket.finish(used);
    }
  }

  /**
   * What the shared limits count for a request before it runs. Its prompt is bounded by the
   * body's bytes (every token of a byte-level BPE is at least a byte; images given by URL are the
   * exception, see the README), its answer by outputTokensBound.
   */
  private claimOf(generation: GenerationRequest, principal: ApiPrincipal | undefined, bodyBytes: number): AdmissionClaim {
    const bound = this.prices.costOf(generation.model.name, { promptTokens: bodyBytes + PROMPT_TEMPLATE_MARGIN_TOKENS, completionTokens: generation.outputTokensBound });
    return {
      userId: generation.userId,
      principal,
      estimatedTokens: Math.ceil(bodyBytes / 4) + (generation.endpoint === 'embeddings' ? 0 : generation.maxTokens),
      costBoundUsd: bound.basis === 'tokens' ? bound.costUsd : 0,
    };
  }

  /**
   * A request refused before any generation: answered, counted as rejected, published. A client
   * gone before its generation started is counted cancelled, with nothing generated or billed.
   */
  reject(
    endpoint: GenerationEndpoint,
    body: unknown,
    error: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
    known: { parsed?: GenerationRequest | undefined; principal?: ApiPrincipal | undefined } = {},
  ): void {
    reply.hijack();
    const isGone = error instanceof ClientGoneError;
    const failure = error instanceof GenerationError ? error : new GenerationError('INTERNAL', 'internal error');
    if (!(error instanceof GenerationError) && !isGone) this.logger.error({ err: error }, 'request handling failed');
    const mapping = isGone ? { requestStatus: 'cancelled' as const, httpStatus: 499 } : ERROR_MAPPINGS[failure.code];
    const headers: Record<string, string> = { ...failure.details.headers, ...(failure.details.retryAfterSeconds ? { 'retry-after': String(failure.details.retryAfterSeconds) } : {}) };
    sendJson(reply.raw, mapping.httpStatus, openAiErrorBody(failure.code, failure.message, failure.details.param), headers);
    const model = known.parsed?.model ?? this.parser.modelNamedIn(endpoint, body);
    const publicId = known.parsed?.requestId ?? shownRequestId(request);
    this.recorder.record({
      requestId: publicId,
      ids: { publicId, requestId: request.id, clientRequestId: request.clientRequestId },
      endpoint,
      model: model?.name ?? 'unknown',
      userId: known.parsed?.userId ?? known.principal?.userId ?? this.claimedUser(body, request, failure),
      status: mapping.requestStatus,
      httpStatus: mapping.httpStatus,
      errorCode: isGone ? 'CLIENT_GONE' : failure.code,
      finishReason: null,
      promptTokens: 0,
      completionTokens: 0,
      cachedPromptTokens: 0,
      reasoningTokens: 0,
      isUsageEstimated: false,
      cost: { costUsd: 0, basis: model ? this.prices.costOf(model.name, { promptTokens: 0, completionTokens: 0 }).basis : 'unpriced' },
      ttftMs: undefined,
      upstreamTtftMs: undefined,
      latencyMs: performance.now() - request.arrivalMs,
      startedAtMs: request.arrivalEpochMs,
      output: '',
      context: undefined,
      trace: injectTraceCarrier(requestTraceContext(request)),
      traceId: request.serverSpan?.spanContext().traceId,
      isStreaming: false,
    });
  }

  /** Who an unparsed request says it is: nobody, when it failed authentication. */
  private claimedUser(body: unknown, request: FastifyRequest, failure: GenerationError): string {
    if (failure.code === 'UNAUTHORIZED' || !this.admission.isOpenAccess) return 'unauthenticated';
    const userField = (body as { user?: unknown } | null)?.user;
    if (typeof userField === 'string' && userField.length > 0 && userField.length <= 256) return userField;
    const header = headerValue(request.headers['x-user-id']);
    return header && header.length <= 256 ? header : 'anonymous';
  }

  /** Serves an admitted request; resolves with the tokens it used and what it cost. */
  private async generate(generation: GenerationRequest, request: FastifyRequest, reply: FastifyReply, abort: AbortController): Promise<{ tokens: number; costUsd: number }> {
    const response = reply.raw;
    const span = tracer().startSpan('llm_generate', { attributes: requestAttributes(generation) }, requestTraceContext(request));
    const spanContext = trace.setSpan(context.active(), span);
    const ids = { publicId: generation.requestId, requestId: request.id, clientRequestId: request.clientRequestId };
    this.recorder.requestStarted(ids);
    try {
      return await context.with(spanContext, () => this.relay(generation, request, span, abort, response));
    } finally {
      this.recorder.requestEnded(ids);
      span.end();
    }
  }

  private async relay(
    generation: GenerationRequest,
    request: FastifyRequest,
    span: Span,
    abort: AbortController,
    response: FastifyReply['raw'],
  ): Promise<{ tokens: number; costUsd: number }> {
    const backend = this.backends.backendFor(generation.model);
    // an OpenAI-compatible upstream answers OpenAI requests itself; the gateway renders only its own API and the simulator
    const isRelayed = backend.relay !== undefined && generation.endpoint !== 'generate';
    const format = responseFormatFor(generation.endpoint, generation.requestId, generation.model.name, generation.includeUsage);
    const sse = generation.isStreaming ? new SseWriter(response) : undefined;
    const produced: Production = {
      output: '',
      outputCharsDropped: 0,
      tokenEvents: 0,
      ttftMs: undefined,
      upstreamTtftMs: undefined,
      finishReason: null,
      usage: undefined,
      body: undefined,
    };
    let failure: { code: GenerationErrorCode; message: string; retryAfterSeconds?: number; upstreamStatus?: number; upstreamBody?: string } | undefined;
    let isCancelled = false;
    let localPromptTokens: number | undefined;

    try {
      if (BackendRouter.needsPromptCount(generation.model)) {
        localPromptTokens = await this.countPromptTokens(generation);
        generation = { ...generation, promptTokens: localPromptTokens };
      }
      await this.forward(generation, request, abort.signal, produced, isRelayed, sse ? (text) => sse.write(format.tokenEvent(text)) : undefined, sse);
    } catch (error) {
      if (abort.signal.aborted && abort.signal.reason instanceof ClientGoneError) {
        isCancelled = true;
      } else if (error instanceof BackendError) {
        failure = { code: error.code, message: error.message, ...error.details };
      } else {
        this.logger.error({ err: error }, 'generation failed unexpectedly');
        failure = { code: 'INTERNAL', message: 'internal error' };
      }
    }

    // usage: the backend's own when it reported it, else counted here (and marked estimated)
    const usage = await this.finalUsage(generation, produced, localPromptTokens, isCancelled);
    const cost: RequestCost = this.prices.costOf(generation.model.name, usage.usage);
    let httpStatus = 200;
    let finishReason = produced.finishReason;

    const status = isCancelled ? 'cancelled' : failure ? ERROR_MAPPINGS[failure.code].requestStatus : 'success';
    if (!isCancelled) {
      // before the response ends: feedback sent the instant it arrives must find the request
      // the generation's traceparent rides along: a vote on it then joins this trace
      const { traceparent } = injectTraceCarrier();
      await this.admission.records.write(generation.requestId, { userId: generation.userId, model: generation.model.name, status, ...(traceparent ? { traceparent } : {}) });
    }

    if (isCancelled) {
      httpStatus = 499; // nginx's "client closed request": nothing was sent back
    } else if (failure) {
      const mapping = ERROR_MAPPINGS[failure.code];
      httpStatus = sse?.hasStarted ? 200 : mapping.httpStatus;
      finishReason = null;
      if (sse?.hasStarted) sse.end(format.errorEvent(failure.code, failure.message));
      else if (isRelayed && failure.upstreamBody !== undefined && failure.upstreamStatus !== undefined) {
        // the upstream refused the client's own request: the client gets the upstream's answer
        httpStatus = failure.upstreamStatus;
        sendJson(response, failure.upstreamStatus, failure.upstreamBody);
      } else {
        const headers: Record<string, string> = failure.retryAfterSeconds ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
        sendJson(response, mapping.httpStatus, openAiErrorBody(failure.code, failure.message), headers);
      }
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.code });
    } else {
      if (produced.body !== undefined && !sse) sendJson(response, 200, produced.body);
      else if (isRelayed) {
        if (sse) sse.end(DONE_EVENT);
        else sendJson(response, 200, produced.body ?? '');
      } else {
        // only an answer the gateway renders itself has a detokenize step worth a span: a relayed
        // one is the upstream's bytes (one span fewer per request, issue 16)
        const detokenize = tracer().startSpan('detokenize');
        const latencySoFarMs = performance.now() - request.arrivalMs;
        const summary = {
          finishReason: finishReason ?? 'stop',
          usage: usage.usage,
          costUsd: cost.basis === 'tokens' ? cost.costUsd : null,
          timings: timingsOf(latencySoFarMs, produced.ttftMs, usage.usage.completionTokens),
        };
        if (sse) sse.end(format.finalEvents(summary));
        else sendJson(response, 200, format.jsonBody(produced.output, summary));
        detokenize.setAttribute('gen_ai.usage.output_tokens', usage.usage.completionTokens);
        detokenize.end();
      }
    }

    const latencyMs = performance.now() - request.arrivalMs;
    span.setAttributes({
      'gen_ai.usage.input_tokens': usage.usage.promptTokens,
      'gen_ai.usage.output_tokens': usage.usage.completionTokens,
      'tokenscope.status': status,
      'tokenscope.cost_usd': cost.costUsd,
      'tokenscope.usage_estimated': usage.isEstimated,
      ...(usage.usage.cachedPromptTokens ? { 'gen_ai.usage.cache_read.input_tokens': usage.usage.cachedPromptTokens } : {}),
      ...(usage.usage.reasoningTokens ? { 'gen_ai.usage.reasoning.output_tokens': usage.usage.reasoningTokens } : {}),
      ...(produced.upstreamTtftMs !== undefined ? { 'tokenscope.upstream_ttft_ms': produced.upstreamTtftMs } : {}),
      ...(finishReason ? { 'gen_ai.response.finish_reasons': [finishReason] } : {}),
    });
    this.recorder.record({
      requestId: generation.requestId,
      endpoint: generation.endpoint,
      model: generation.model.name,
      userId: generation.userId,
      status,
      httpStatus,
      errorCode: failure?.code ?? (isCancelled ? 'CLIENT_GONE' : null),
      finishReason,
      promptTokens: usage.usage.promptTokens,
      completionTokens: usage.usage.completionTokens,
      cachedPromptTokens: usage.usage.cachedPromptTokens ?? 0,
      reasoningTokens: usage.usage.reasoningTokens ?? 0,
      isUsageEstimated: usage.isEstimated,
      cost,
      ttftMs: produced.ttftMs,
      upstreamTtftMs: produced.upstreamTtftMs,
      latencyMs,
      startedAtMs: request.arrivalEpochMs,
      output: produced.output,
      context: generation.context,
      trace: injectTraceCarrier(),
      traceId: span.spanContext().traceId,
      isStreaming: generation.isStreaming,
      input: generation.input,
    });
    return { tokens: usage.usage.promptTokens + usage.usage.completionTokens, costUsd: cost.basis === 'tokens' ? cost.costUsd : 0 };
  }

  /**
   * Hands the backend's answer to the client: relayed events or body as the upstream sent them,
   * or tokens the gateway renders. TTFT is taken when the first token is handed to the socket.
   */
  private async forward(
    generation: GenerationRequest,
    request: FastifyRequest,
    signal: AbortSignal,
    produced: Production,
    isRelayed: boolean,
    writeToken: ((text: string) => Promise<void> | undefined) | undefined,
    sse: SseWriter | undefined,
  ): Promise<void> {
    const backend = this.backends.backendFor(generation.model);
    const forward = tracer().startSpan('model_forward', {
      attributes: { 'gen_ai.request.model': generation.model.upstreamModel, 'tokenscope.backend': generation.model.backend },
    });
    const startedAtMs = performance.now();
    const keep = (text: string) => {
      const room = EVENT_TEXT_LIMIT_CHARS - produced.output.length;
      if (text.length <= room) produced.output += text;
      else {
        if (room > 0) produced.output += text.slice(0, room);
        produced.outputCharsDropped += text.length - Math.max(room, 0);
      }
    };
    try {
      if (generation.endpoint === 'embeddings') {
        const result = await backend.embed(generation, signal);
        produced.body = result.body;
        produced.usage = result.usage;
        produced.finishReason = null;
      } else if (isRelayed) {
        const relaySink: RelaySink = {
          forward: (events, hasToken, text) => {
            const pending = sse?.write(events);
            if (hasToken) {
              if (produced.ttftMs === undefined) this.markFirstToken(produced, request, forward, startedAtMs);
              produced.tokenEvents++;
            }
            if (text) keep(text);
            return pending;
          },
        };
        const result = await backend.relay!(generation, signal, relaySink);
        produced.body = result.body;
        if (result.body !== undefined) keep(result.output);
        produced.finishReason = result.finishReason;
        produced.usage = result.usage;
      } else {
        const sink: TokenSink = {
          token: (text) => {
            const pending = writeToken?.(text);
            if (produced.ttftMs === undefined) this.markFirstToken(produced, request, forward, startedAtMs);
            produced.tokenEvents++;
            keep(text);
            return pending;
          },
        };
        const result = await backend.generate(generation, signal, sink);
        produced.finishReason = result.finishReason;
        produced.usage = result.usage;
      }
    } catch (error) {
      forward.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof BackendError ? error.code : 'aborted' });
      throw error;
    } finally {
      forward.setAttribute('tokenscope.token_events', produced.tokenEvents);
      forward.end();
    }
  }

  /** The first token: when the client got it (TTFT), and how much of that the backend took. */
  private markFirstToken(produced: Production, request: FastifyRequest, forward: Span, backendStartedAtMs: number): void {
    const now = performance.now();
    produced.ttftMs = now - request.arrivalMs;
    produced.upstreamTtftMs = now - backendStartedAtMs;
    forward.addEvent('first_token', { 'gen_ai.server.time_to_first_token': produced.ttftMs / 1000 });
  }

  private async countPromptTokens(generation: GenerationRequest): Promise<number> {
    const tokenizer = await loadTokenizer();
    const tokenize = tracer().startSpan('tokenize');
    const count = await countInputTokens(tokenizer, generation.input);
    tokenize.setAttribute('gen_ai.usage.input_tokens', count);
    tokenize.end();
    return count;
  }

  private async finalUsage(
    generation: GenerationRequest,
    produced: Production,
    localPromptTokens: number | undefined,
    isCancelled: boolean,
  ): Promise<{ usage: TokenUsage; isEstimated: boolean }> {
    if (produced.usage) return { usage: produced.usage, isEstimated: false };
    // a client that left had its prompt read by the model (prefill) even before the first token:
    // that is billed; a failure before the first token produced nothing to bill
    if (!isCancelled && produced.tokenEvents === 0 && localPromptTokens === undefined && produced.finishReason === null) {
      return { usage: { promptTokens: 0, completionTokens: 0 }, isEstimated: false };
    }
    const tokenizer = await loadTokenizer();
    const promptTokens = localPromptTokens ?? (await this.countPromptTokens(generation));
    const completionTokens = (await tokenizer.count(produced.output)) + Math.ceil(produced.outputCharsDropped / CHARS_PER_TOKEN_ESTIMATE);
    return { usage: { promptTokens, completionTokens }, isEstimated: true };
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function requestAttributes(generation: GenerationRequest): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {
    'gen_ai.operation.name': GENAI_OPERATION_NAMES[generation.endpoint],
    'gen_ai.provider.name': genAiProviderName(generation.model),
    'gen_ai.request.model': generation.model.name,
    'gen_ai.response.model': generation.model.upstreamModel,
    'gen_ai.request.max_tokens': generation.maxTokens,
    'gen_ai.request.temperature': generation.temperature,
    'gen_ai.response.id': generation.requestId,
    'tokenscope.request_id': generation.requestId,
    'tokenscope.streamed': generation.isStreaming,
  };
  if (generation.topP !== undefined) attributes['gen_ai.request.top_p'] = generation.topP;
  if (generation.seed !== undefined) attributes['gen_ai.request.seed'] = generation.seed;
  if (generation.model.upstreamHost) attributes['server.address'] = generation.model.upstreamHost;
  return attributes;
}
