/** Headers that carry credentials; always redacted. */
const CREDENTIAL_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'headers.authorization',
  'authorization',
  'apiKey',
  'upstreamApiKey',
];

/** Fields that carry user text; redacted unless LOG_PROMPTS is on. */
const CONTENT_PATHS = ['prompt', 'messages', 'output', 'text', 'context', 'comment', 'body.prompt', 'body.messages'];

export const REDACTED = '[redacted]';

export function redactionPaths(logPrompts: boolean): string[] {
  return logPrompts ? [...CREDENTIAL_PATHS] : [...CREDENTIAL_PATHS, ...CONTENT_PATHS];
}
