import type { GenerationEndpoint } from '@tokenscope/queue-contracts';
import type { z } from 'zod';
import type { ChatMessage, GenerationRequest } from '../backends/backend.js';
import type { ModelCatalog, ServedModel } from '../config/model-catalog.js';
import {
  chatCompletionsBody,
  completionsBody,
  embeddingsBody,
  generateBody,
  type ChatCompletionsBody,
  type CompletionsBody,
} from './dto/generation-requests.dto.js';
import { GenerationError } from './generation.errors.js';
import { describeIssue } from './issue-description.js';

export interface RequestIdentity {
  requestId: string;
  /** `x-user-id` when the caller sent one (open access only). */
  userIdHeader: string | undefined;
}

const USER_ID_HEADER_LIMIT = 256;

/** Turns the body of any of the three generation APIs into one validated GenerationRequest. */
export class GenerationRequestParser {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly defaultMaxTokens: number,
  ) {}

  /** The configured model a body names, for labelling a rejected request (undefined when none). */
  modelNamedIn(endpoint: GenerationEndpoint, body: unknown): ServedModel | undefined {
    const name = (body as { model?: unknown } | null)?.model;
    if (typeof name === 'string') return this.catalog.get(name);
    // /v1/generate without a model is served by the default model
    return endpoint === 'generate' && name === undefined && isObject(body) ? this.catalog.defaultModel : undefined;
  }

  parse(endpoint: GenerationEndpoint, body: unknown, identity: RequestIdentity): GenerationRequest {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new GenerationError('INVALID_REQUEST', 'body: must be a JSON object', { param: 'body' });
    }
    if (identity.userIdHeader !== undefined && (identity.userIdHeader.length === 0 || identity.userIdHeader.length > USER_ID_HEADER_LIMIT)) {
      throw new GenerationError('INVALID_REQUEST', `x-user-id: must be 1 to ${USER_ID_HEADER_LIMIT} characters`, { param: 'x-user-id' });
    }
    switch (endpoint) {
      case 'generate':
        return this.fromGenerate(body, identity);
      case 'chat.completions':
        return this.fromChat(body, identity);
      case 'completions':
        return this.fromCompletions(body, identity);
      case 'embeddings':
        return this.fromEmbeddings(body, identity);
    }
  }

  private fromGenerate(raw: object, identity: RequestIdentity): GenerationRequest {
    const body = validate(generateBody, raw);
    const model = body.model === undefined ? this.defaultModel() : this.model(body.model);
    return {
      requestId: identity.requestId,
      endpoint: 'generate',
      model,
      input: { kind: 'prompt', prompt: body.prompt },
      ...this.tokenLimits(model, body.max_tokens ?? undefined, { n: undefined, isRelayed: false }),
      temperature: body.temperature ?? 1,
      topP: body.top_p,
      seed: body.seed,
      stop: toList(body.stop),
      context: body.context,
      userId: body.user ?? identity.userIdHeader ?? 'anonymous',
      isStreaming: body.stream ?? false,
      includeUsage: true,
      relayBody: undefined,
      promptTokens: undefined,
    };
  }

  private fromChat(raw: object, identity: RequestIdentity): GenerationRequest {
    const body = validate(chatCompletionsBody, raw);
    const model = this.model(body.model);
    this.checkChoices(model, body.n);
    // the text the gateway reads (simulator answers, token counts); the upstream gets the messages as sent
    const messages = body.messages.map(
      (m): ChatMessage => ({
        role: m.role === 'function' ? 'tool' : m.role,
        content: typeof m.content === 'string' ? m.content : (m.content ?? []).map(partText).join(''),
        ...(m.name !== undefined ? { name: m.name } : {}),
      }),
    );
    return {
      ...this.openAiCommon(body, model, identity),
      endpoint: 'chat.completions',
      input: { kind: 'chat', messages },
      // the error names the field the caller used: max_completion_tokens (the newer name) wins
      ...this.tokenLimits(model, body.max_completion_tokens ?? body.max_tokens ?? undefined, {
        n: body.n,
        isRelayed: true,
        param: body.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens',
      }),
      relayBody: raw as Record<string, unknown>,
    };
  }

  private fromCompletions(raw: object, identity: RequestIdentity): GenerationRequest {
    const body = validate(completionsBody, raw);
    const model = this.model(body.model);
    const prompt = typeof body.prompt === 'string' ? body.prompt : body.prompt[0]!;
    this.checkChoices(model, body.n);
    return {
      ...this.openAiCommon(body, model, identity),
      endpoint: 'completions',
      input: { kind: 'prompt', prompt },
      ...this.tokenLimits(model, body.max_tokens ?? undefined, { n: body.n, isRelayed: true }),
      relayBody: raw as Record<string, unknown>,
    };
  }

  private fromEmbeddings(raw: object, identity: RequestIdentity): GenerationRequest {
    const body = validate(embeddingsBody, raw);
    const model = this.model(body.model);
    const inputs: Array<string | number[]> = typeof body.input === 'string' ? [body.input] : typeof body.input[0] === 'number' ? [body.input as number[]] : (body.input as Array<string | number[]>);
    return {
      requestId: identity.requestId,
      endpoint: 'embeddings',
      model,
      input: {
        kind: 'embedding',
        texts: inputs.filter((i): i is string => typeof i === 'string'),
        tokenIdCount: inputs.reduce((sum, i) => sum + (typeof i === 'string' ? 0 : i.length), 0),
      },
      maxTokens: 1,
      outputTokensBound: 0,
      temperature: 0,
      topP: undefined,
      seed: undefined,
      stop: undefined,
      context: undefined,
      userId: body.user ?? identity.userIdHeader ?? 'anonymous',
      isStreaming: false,
      includeUsage: false,
      promptTokens: undefined,
      relayBody: raw as Record<string, unknown>,
    };
  }

  private openAiCommon(body: ChatCompletionsBody | CompletionsBody, model: ServedModel, identity: RequestIdentity) {
    return {
      requestId: identity.requestId,
      model,
      temperature: body.temperature ?? 1,
      topP: body.top_p ?? undefined,
      seed: body.seed ?? undefined,
      stop: toList(body.stop ?? undefined),
      context: body.context,
      userId: body.user ?? identity.userIdHeader ?? 'anonymous',
      isStreaming: body.stream ?? false,
      includeUsage: body.stream_options?.include_usage ?? false,
      promptTokens: undefined,
    };
  }

  /** An OpenAI-compatible upstream generates n choices itself; the simulator answers one. */
  private checkChoices(model: ServedModel, n: number | null | undefined): void {
    if (n != null && n > 1 && model.backend === 'simulator') {
      throw new GenerationError('INVALID_REQUEST', `n: model ${model.name} (simulated) generates 1 choice`, { param: 'n' });
    }
  }

  private defaultModel(): ServedModel {
    const model = this.catalog.defaultModel;
    // zero-config upstream whose model list could not be read yet
    if (!model) throw new GenerationError('NOT_READY', 'no model is served yet: the upstream\'s model list has not been read (see /readyz)');
    return model;
  }

  private model(name: string): ServedModel {
    const model = this.catalog.get(name);
    if (!model) {
      // the requested name is not echoed: it is caller input and could be anything
      throw new GenerationError('MODEL_NOT_FOUND', 'model: no such model is served here (GET /v1/models lists them)', { param: 'model' });
    }
    return model;
  }

  /** max_tokens as the backend gets it, and the most the request can be billed for (see GenerationRequest). */
  private tokenLimits(
    model: ServedModel,
    requested: number | undefined,
    how: { n: number | null | undefined; isRelayed: boolean; param?: 'max_tokens' | 'max_completion_tokens' },
  ): { maxTokens: number; outputTokensBound: number } {
    const maxTokens = this.maxTokens(model, requested, how.param);
    const choices = how.n ?? 1;
    const isUpstreamDefault = requested === undefined && how.isRelayed && model.backend !== 'simulator';
    return { maxTokens, outputTokensBound: (isUpstreamDefault ? model.maxTokensLimit : maxTokens) * choices };
  }

  private maxTokens(model: ServedModel, requested: number | undefined, param: 'max_tokens' | 'max_completion_tokens' = 'max_tokens'): number {
    if (requested === undefined) return Math.min(this.defaultMaxTokens, model.maxTokensLimit);
    if (requested > model.maxTokensLimit) {
      throw new GenerationError('INVALID_REQUEST', `${param}: at most ${model.maxTokensLimit} for model ${model.name}`, { param });
    }
    return requested;
  }
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function toList(stop: string | string[] | undefined): string[] | undefined {
  return stop === undefined ? undefined : Array.isArray(stop) ? stop : [stop];
}

function partText(part: { type: string; text?: unknown }): string {
  return part.type === 'text' && typeof part.text === 'string' ? part.text : '';
}

/** Parses with a schema; the first problem becomes a 400 that names its field. */
function validate<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = describeIssue(issues[0]!);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new GenerationError('INVALID_REQUEST', `${first.param}: ${first.message}${more}`, { param: first.param });
}
