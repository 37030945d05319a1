import type { GenerationEndpoint } from '@tokenscope/queue-contracts';
import type { TokenUsage } from '../backends/backend.js';
import type { GenerationErrorCode } from './generation.errors.js';
import type { GenerationTimings } from './generation-timing.js';
import { openAiErrorBody } from '../http/error-mapping.js';

export interface AnswerSummary {
  finishReason: string;
  usage: TokenUsage;
  costUsd: number | null;
  timings: GenerationTimings;
}

/**
 * How one API writes an answer. Streaming chunks are built from prefixes computed once per
 * request, so each token costs one JSON.stringify of its text and one string concatenation.
 */
export interface ResponseFormat {
  tokenEvent(text: string): string;
  finalEvents(summary: AnswerSummary): string;
  errorEvent(code: GenerationErrorCode, message: string): string;
  jsonBody(text: string, summary: AnswerSummary): string;
}

const DONE = 'data: [DONE]\n\n';

function openAiUsage(usage: TokenUsage) {
  return { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens };
}

/** The seed's /v1/generate: `{id, token}` events, then `{id, done, finish_reason, usage, cost_usd}`. */
class GenerateFormat implements ResponseFormat {
  private readonly tokenPrefix: string;

  constructor(
    private readonly requestId: string,
    private readonly model: string,
  ) {
    this.tokenPrefix = `data: {"id":${JSON.stringify(requestId)},"token":`;
  }

  tokenEvent(text: string): string {
    return `${this.tokenPrefix}${JSON.stringify(text)}}\n\n`;
  }

  finalEvents(summary: AnswerSummary): string {
    const done = {
      id: this.requestId,
      done: true,
      finish_reason: summary.finishReason,
      usage: openAiUsage(summary.usage),
      cost_usd: summary.costUsd,
      timings: { ttft_ms: summary.timings.ttftMs, tpot_ms: summary.timings.tpotMs },
    };
    return `data: ${JSON.stringify(done)}\n\n${DONE}`;
  }

  errorEvent(code: GenerationErrorCode, message: string): string {
    return `data: {"id":${JSON.stringify(this.requestId)},${openAiErrorBody(code, message).slice(1)}\n\n`;
  }

  jsonBody(text: string, summary: AnswerSummary): string {
    return JSON.stringify({
      id: this.requestId,
      model: this.model,
      text,
      finish_reason: summary.finishReason,
      usage: openAiUsage(summary.usage),
      cost_usd: summary.costUsd,
      timings: { ttft_ms: summary.timings.ttftMs, tpot_ms: summary.timings.tpotMs, latency_ms: summary.timings.latencyMs },
    });
  }
}

/** OpenAI chat.completion(.chunk) and text_completion objects. */
class OpenAiFormat implements ResponseFormat {
  private readonly head: string;
  private readonly id: string;
  private readonly created = Math.floor(Date.now() / 1000);
  private hasSentRole = false;

  constructor(
    private readonly isChat: boolean,
    requestId: string,
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {
    this.id = `${isChat ? 'chatcmpl' : 'cmpl'}-${requestId}`;
    const object = isChat ? 'chat.completion.chunk' : 'text_completion';
    this.head = `data: {"id":${JSON.stringify(this.id)},"object":"${object}","created":${this.created},"model":${JSON.stringify(model)},"choices":[`;
  }

  tokenEvent(text: string): string {
    if (!this.isChat) return `${this.head}{"index":0,"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":null}]}\n\n`;
    const role = this.hasSentRole ? '' : '"role":"assistant",';
    this.hasSentRole = true;
    return `${this.head}{"index":0,"delta":{${role}"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  finalEvents(summary: AnswerSummary): string {
    const reason = JSON.stringify(summary.finishReason);
    let out = this.isChat
      ? `${this.head}{"index":0,"delta":{},"logprobs":null,"finish_reason":${reason}}]}\n\n`
      : `${this.head}{"index":0,"text":"","logprobs":null,"finish_reason":${reason}}]}\n\n`;
    if (this.includeUsage) out += `${this.head}],"usage":${JSON.stringify(openAiUsage(summary.usage))}}\n\n`;
    return out + DONE;
  }

  errorEvent(code: GenerationErrorCode, message: string): string {
    return `data: ${openAiErrorBody(code, message)}\n\n`;
  }

  jsonBody(text: string, summary: AnswerSummary): string {
    const choice = this.isChat
      ? { index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: summary.finishReason }
      : { index: 0, text, logprobs: null, finish_reason: summary.finishReason };
    return JSON.stringify({
      id: this.id,
      object: this.isChat ? 'chat.completion' : 'text_completion',
      created: this.created,
      model: this.model,
      choices: [choice],
      usage: openAiUsage(summary.usage),
    });
  }
}

export function responseFormatFor(endpoint: GenerationEndpoint, requestId: string, model: string, includeUsage: boolean): ResponseFormat {
  if (endpoint === 'generate') return new GenerateFormat(requestId, model);
  return new OpenAiFormat(endpoint === 'chat.completions', requestId, model, includeUsage);
}
