import type { ChatMessage } from './judge-rubric.js';

/** One judge reply: its text and the usage the gateway reported. */
export interface JudgeReply {
  text: string;
  promptTokens: number;
  completionTokens: number;
}

/** Why a judge call failed: `timeout` past QUALITY_JUDGE_TIMEOUT_MS, `error` for anything else. */
export class JudgeCallError extends Error {
  constructor(
    readonly kind: 'timeout' | 'error',
    message: string,
  ) {
    super(message);
  }
}

/** Sends judge prompts to a model and returns its reply (the gateway, in production). */
export interface JudgeClient {
  complete(messages: ChatMessage[]): Promise<JudgeReply>;
}

export interface GatewayJudgeOptions {
  gatewayUrl: string;
  model: string;
  apiKey: string | undefined;
  user: string;
  timeoutMs: number;
}

/**
 * The judge through the gateway's OpenAI-compatible endpoint: the judge's calls are priced,
 * traced and rate limited like any other. They come back as generation events of the user
 * `user`, which the consumer skips, so the judge never judges itself.
 */
export class GatewayJudgeClient implements JudgeClient {
  constructor(private readonly options: GatewayJudgeOptions) {}

  async complete(messages: ChatMessage[]): Promise<JudgeReply> {
    const { gatewayUrl, model, apiKey, user, timeoutMs } = this.options;
    let response: Response;
    try {
      response = await fetch(new URL('/v1/chat/completions', gatewayUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': user, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ model, messages, temperature: 0, max_tokens: 50, user, stream: false }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw asJudgeError(error);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new JudgeCallError('error', `gateway answered ${response.status}`);
    }
    let body: { choices?: Array<{ message?: { content?: unknown } }>; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
    try {
      body = (await response.json()) as typeof body;
    } catch (error) {
      throw asJudgeError(error);
    }
    const text = body.choices?.[0]?.message?.content;
    return {
      text: typeof text === 'string' ? text : '',
      promptTokens: typeof body.usage?.prompt_tokens === 'number' ? body.usage.prompt_tokens : 0,
      completionTokens: typeof body.usage?.completion_tokens === 'number' ? body.usage.completion_tokens : 0,
    };
  }
}

function asJudgeError(error: unknown): JudgeCallError {
  const name = (error as { name?: string } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError' ? new JudgeCallError('timeout', 'judge call timed out') : new JudgeCallError('error', (error as Error).message);
}
