import { z } from 'zod';

/** Cap on each grounding document and on how many a request may carry (they travel to Redis). */
export const CONTEXT_DOCUMENT_LIMIT_CHARS = 32_768;
export const CONTEXT_DOCUMENTS_LIMIT = 64;

const maxTokens = z.number().int('must be an integer').min(1, 'must be at least 1');
const temperature = z.number().min(0, 'must be between 0 and 2').max(2, 'must be between 0 and 2');
const topP = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const seed = z.number().int('must be an integer').min(-(2 ** 53) + 1).max(2 ** 53 - 1);
const stop = z.union([z.string().max(256), z.array(z.string().max(256)).max(4, 'at most 4 stop sequences')]);
const user = z.string().min(1, 'must not be empty').max(256, 'at most 256 characters');
const modelName = z.string().min(1, 'must not be empty').max(256, 'at most 256 characters');
const context = z
  .array(z.string().max(CONTEXT_DOCUMENT_LIMIT_CHARS, `each document at most ${CONTEXT_DOCUMENT_LIMIT_CHARS} characters`))
  .max(CONTEXT_DOCUMENTS_LIMIT, `at most ${CONTEXT_DOCUMENTS_LIMIT} documents`);
const streamOptions = z.object({ include_usage: z.boolean().optional() }).strict().nullable();
const onlyOneChoice = z.literal(1, 'only 1 is supported').nullable();

/** POST /v1/generate: the seed's API, strict (a misspelt field is an error, not ignored). */
export const generateBody = z
  .object({
    prompt: z.string().min(1, 'must not be empty'),
    max_tokens: maxTokens.optional(),
    model: modelName.optional(),
    temperature: temperature.optional(),
    top_p: topP.optional(),
    seed: seed.optional(),
    stop: stop.optional(),
    stream: z.boolean().optional(),
    user: user.optional(),
    context: context.optional(),
  })
  .strict();

const textPart = z.object({ type: z.literal('text', 'only text parts are supported'), text: z.string() }).strict();

const chatMessage = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: z.union([z.string(), z.array(textPart).min(1, 'must not be empty')]).nullable(),
    name: z.string().max(256).optional(),
  })
  .loose();

/** The fields of OpenAI's chat and text completion requests that the gateway reads itself. */
const openAiCommon = {
  model: modelName,
  max_tokens: maxTokens.nullable().optional(),
  temperature: temperature.nullable().optional(),
  top_p: topP.nullable().optional(),
  n: onlyOneChoice.optional(),
  seed: seed.nullable().optional(),
  stop: stop.nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: streamOptions.optional(),
  user: user.optional(),
  context: context.optional(),
};

/** POST /v1/chat/completions: fields the gateway does not read (tools, response_format…) go to the upstream as they are. */
export const chatCompletionsBody = z
  .object({
    ...openAiCommon,
    messages: z.array(chatMessage).min(1, 'must hold at least one message').max(4096),
    max_completion_tokens: maxTokens.nullable().optional(),
  })
  .loose();

/** POST /v1/completions. */
export const completionsBody = z
  .object({
    ...openAiCommon,
    prompt: z.union([z.string(), z.array(z.string()).length(1, 'only one prompt per request is supported')]),
    echo: z.literal(false, 'echo is not supported').optional(),
  })
  .loose();

export type GenerateBody = z.infer<typeof generateBody>;
export type ChatCompletionsBody = z.infer<typeof chatCompletionsBody>;
export type CompletionsBody = z.infer<typeof completionsBody>;

/** Keys read by the gateway; the rest of an OpenAI body is passed through to the upstream. */
export const CHAT_READ_KEYS = new Set([...Object.keys(openAiCommon), 'messages', 'max_completion_tokens']);
export const COMPLETIONS_READ_KEYS = new Set([...Object.keys(openAiCommon), 'prompt', 'echo']);
