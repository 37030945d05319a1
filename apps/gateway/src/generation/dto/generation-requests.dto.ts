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
// loose: vendor options such as vLLM's continuous_usage_stats reach the upstream
const streamOptions = z.object({ include_usage: z.boolean().nullable().optional() }).loose().nullable();
const choices = z.number().int('must be an integer').min(1, 'must be at least 1').max(128, 'at most 128').nullable();

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

/**
 * A content part: text is read (the simulator answers it, the gateway counts its tokens); every
 * other kind (image_url, input_audio, file…) goes to the upstream as the client sent it.
 */
const contentPart = z.union([
  z.object({ type: z.literal('text'), text: z.string() }).loose(),
  z.object({ type: z.string().min(1).max(64) }).loose(),
]);

/** Messages keep every field (tool_calls, tool_call_id, name, reasoning…): the upstream gets them unchanged. */
const chatMessage = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: z.union([z.string(), z.array(contentPart).min(1, 'must not be empty')]).nullable().optional(),
    name: z.string().max(256).optional(),
  })
  .loose();

/** The fields of OpenAI's chat and text completion requests that the gateway reads itself. */
const openAiCommon = {
  model: modelName,
  max_tokens: maxTokens.nullable().optional(),
  temperature: temperature.nullable().optional(),
  top_p: topP.nullable().optional(),
  n: choices.optional(),
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

/** Most inputs in one embeddings request (OpenAI's own limit). */
export const EMBEDDING_INPUTS_LIMIT = 2048;

const tokenIds = z.array(z.number().int('must be an integer').min(0)).min(1, 'must not be empty');

/** POST /v1/embeddings: `input` is read (to count its tokens); the rest goes to the upstream as it is. */
export const embeddingsBody = z
  .object({
    model: modelName,
    input: z.union([
      z.string().min(1, 'must not be empty'),
      z.array(z.string()).min(1, 'must not be empty').max(EMBEDDING_INPUTS_LIMIT, `at most ${EMBEDDING_INPUTS_LIMIT} inputs`),
      tokenIds,
      z.array(tokenIds).min(1, 'must not be empty').max(EMBEDDING_INPUTS_LIMIT, `at most ${EMBEDDING_INPUTS_LIMIT} inputs`),
    ]),
    encoding_format: z.enum(['float', 'base64']).optional(),
    dimensions: z.number().int('must be an integer').min(1, 'must be at least 1').max(8192, 'at most 8192').optional(),
    user: user.optional(),
  })
  .loose();

export type EmbeddingsBody = z.infer<typeof embeddingsBody>;
export type GenerateBody = z.infer<typeof generateBody>;
export type ChatCompletionsBody = z.infer<typeof chatCompletionsBody>;
export type CompletionsBody = z.infer<typeof completionsBody>;
