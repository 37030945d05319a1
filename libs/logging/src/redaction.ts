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

// bearer tokens and OpenAI-style keys pasted into a prompt; the configured secrets are matched exactly
const CREDENTIAL_PATTERNS = [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, /\bsk-[A-Za-z0-9_-]{16,}/g];

/**
 * Free text (a prompt, an answer) with the credentials the logs redact replaced by REDACTED: the
 * given secrets (the upstream's key, the API keys) and anything shaped like a bearer token or key.
 */
export function redactCredentials(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join(REDACTED);
  for (const pattern of CREDENTIAL_PATTERNS) result = result.replace(pattern, REDACTED);
  return result;
}
