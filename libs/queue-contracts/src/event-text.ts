import { EVENT_CONTEXT_LIMIT_BYTES, EVENT_OUTPUT_LIMIT_BYTES, EVENT_QUESTION_LIMIT_BYTES } from './generation-events.queue.js';

/**
 * `text` cut to at most `limitBytes` of UTF-8, on a character boundary (never half a character).
 * Linear in the length of the text.
 */
export function cutToBytes(text: string, limitBytes: number): string {
  // a UTF-16 unit is at most 3 UTF-8 bytes: short text needs no encoding at all
  if (text.length * 3 <= limitBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limitBytes) return text;
  let end = limitBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // back to the first byte of a character
  return bytes.subarray(0, end).toString('utf8');
}

/** The generated text as an event carries it: at most EVENT_OUTPUT_LIMIT_BYTES. */
export function boundEventOutput(output: string): string {
  return cutToBytes(output, EVENT_OUTPUT_LIMIT_BYTES);
}

/**
 * The question as an event carries it: at most EVENT_QUESTION_LIMIT_BYTES, its end kept (a long
 * message ends with what it asks; its start is often pasted material).
 */
export function boundEventQuestion(question: string, limitBytes = EVENT_QUESTION_LIMIT_BYTES): string {
  if (question.length * 3 <= limitBytes) return question;
  const bytes = Buffer.from(question, 'utf8');
  if (bytes.length <= limitBytes) return question;
  let start = bytes.length - limitBytes;
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++; // on to the first byte of a character
  return bytes.subarray(start).toString('utf8');
}

/**
 * The context documents as an event carries them, at most `limitBytes` in all. Documents that
 * fit go verbatim. Otherwise each is reduced to its distinct whitespace-separated words, in
 * order of first use: no word of the lexical groundedness check spans whitespace, so the
 * vocabulary it builds is the same, at a fraction of the size for real text. Words stop when the
 * bytes run out (the later documents lose theirs first), and so does the scan: the work is
 * linear in the text read, tens of milliseconds at most for a 1 MiB context.
 */
export function boundEventContext(context: readonly string[], limitBytes = EVENT_CONTEXT_LIMIT_BYTES): { context: string[]; isReduced: boolean } {
  let totalBytes = 0;
  for (const document of context) totalBytes += Buffer.byteLength(document, 'utf8');
  if (totalBytes <= limitBytes) return { context: [...context], isReduced: false };
  const reduced: string[] = [];
  let roomBytes = limitBytes;
  for (const document of context) {
    const words = distinctWords(document, roomBytes);
    roomBytes -= Buffer.byteLength(words, 'utf8');
    reduced.push(words);
  }
  return { context: reduced, isReduced: true };
}

/** The distinct words of `document` joined by spaces, as many as fit in `roomBytes`. */
function distinctWords(document: string, roomBytes: number): string {
  const seen = new Set<string>();
  const words: string[] = [];
  let usedBytes = 0;
  const word = /\S+/g;
  let match: RegExpExecArray | null;
  while (usedBytes < roomBytes && (match = word.exec(document)) !== null) {
    const text = match[0];
    if (seen.has(text)) continue;
    seen.add(text);
    const bytes = Buffer.byteLength(text, 'utf8') + (words.length > 0 ? 1 : 0);
    if (bytes > roomBytes - usedBytes) break;
    words.push(text);
    usedBytes += bytes;
  }
  return words.join(' ');
}
