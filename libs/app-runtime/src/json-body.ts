/** Why a JSON body was refused before any handler saw it; each app's filter maps the code to its own error shape. */
export type BodyRefusal = 'BODY_NOT_UTF8' | 'BODY_UNSUPPORTED_CHARSET' | 'BODY_TOO_DEEP';

/** A request body refused while it was read: `message` names the field and is safe to show (it never quotes the body). */
export class BodyReadError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: BodyRefusal,
    message: string,
    /** The part of the request at fault: `body` or `content-type`. */
    readonly param: 'body' | 'content-type',
  ) {
    super(message);
    this.name = 'BodyReadError';
    this.statusCode = code === 'BODY_UNSUPPORTED_CHARSET' ? 415 : 400;
  }
}

/** The BodyReadError behind an error, whether the framework passed it on as is or wrapped it (as `cause`). */
export function bodyReadErrorOf(error: unknown): BodyReadError | undefined {
  if (error instanceof BodyReadError) return error;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof BodyReadError ? cause : undefined;
}

/**
 * Deepest nesting of objects and arrays accepted in a body. Real requests stay far below it
 * (an OpenAI tool's JSON Schema rarely passes 10 levels); without a bound, a 1 MiB body of `[`
 * passes through to code that recurses (JSON.stringify towards an upstream, the logger) and
 * overflows its stack.
 */
export const JSON_BODY_MAX_DEPTH = 64;

const UTF8_CHARSETS = new Set(['utf-8', 'utf8']);
/** Stateless between calls (no `stream` option), so one serves every request. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The charset parameter of a content type, lower-cased and unquoted, or undefined when none is given. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  for (const parameter of contentType.split(';').slice(1)) {
    const [name, ...rest] = parameter.split('=');
    if (name?.trim().toLowerCase() === 'charset') return rest.join('=').trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return undefined;
}

/**
 * Decodes a JSON body as RFC 8259 requires of JSON between systems: UTF-8 only. A declared
 * charset other than UTF-8 is refused (415) rather than guessed; invalid UTF-8 is refused (400)
 * rather than silently turned into U+FFFD, which would change what the caller sent. A leading
 * byte order mark is dropped, as RFC 8259 allows. Returns the text; throws a BodyReadError.
 */
export function decodeJsonBody(body: Buffer, contentType: string | undefined): string {
  const charset = charsetOf(contentType);
  if (charset !== undefined && !UTF8_CHARSETS.has(charset)) {
    throw new BodyReadError('BODY_UNSUPPORTED_CHARSET', 'content-type: JSON must be sent as UTF-8 (charset=utf-8 or no charset)', 'content-type');
  }
  let text: string;
  try {
    text = STRICT_UTF8.decode(body);
  } catch {
    throw new BodyReadError('BODY_NOT_UTF8', 'body: not valid UTF-8', 'body');
  }
  if (nestingDepthOver(text, JSON_BODY_MAX_DEPTH)) {
    throw new BodyReadError('BODY_TOO_DEEP', `body: objects and arrays nested deeper than ${JSON_BODY_MAX_DEPTH} levels`, 'body');
  }
  return text;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** True when the text opens more than `limit` objects/arrays inside each other (brackets inside strings do not count). One pass, no recursion. */
export function nestingDepthOver(text: string, limit: number): boolean {
  let depth = 0;
  let isInString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isInString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) isInString = false;
    } else if (c === QUOTE) {
      isInString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
