import { isRegexWhitespace, WorkSlices } from '@tokenscope/app-runtime';
import { CL100K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';

/**
 * Token counting with a real BPE tokenizer (gpt-tokenizer, cl100k_base: the GPT-4 family's
 * vocabulary, a close stand-in for open models' counts). Loaded lazily: it costs ~45 MB and
 * ~100 ms, and a gateway whose upstream reports usage never needs it.
 */
type Encoding = typeof import('gpt-tokenizer/encoding/cl100k_base');

let loading: Promise<Encoding> | undefined;
let loaded: Encoding | undefined;

export async function loadTokenizer(): Promise<Tokenizer> {
  loading ??= import('gpt-tokenizer/encoding/cl100k_base').then((encoding) => (loaded = encoding));
  return new Tokenizer(await loading);
}

/** The tokenizer if something already loaded it, without waiting. */
export function loadedTokenizer(): Tokenizer | undefined {
  return loaded ? new Tokenizer(loaded) : undefined;
}

export interface ChatLikeMessage {
  role: string;
  content: string;
}

// OpenAI's accounting for chat: a few tokens of framing per message and for the reply's start
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

/**
 * The longest pre-tokenizer piece handed to the BPE, in UTF-16 code units. gpt-tokenizer's merge
 * loop is quadratic in a piece's bytes, and cl100k's pre-tokenizer makes one piece of any run of
 * letters, of punctuation/symbols (emoji included), of whitespace, or of newlines after
 * punctuation; a million-letter word was one piece (minutes of CPU). Longer pieces are cut into
 * slices of this length. 256 keeps a CJK or emoji slice (3–4 bytes a code unit) under a
 * millisecond; real words are far shorter, so normal text is never cut (docs/security.md).
 */
export const MAX_PIECE_CHARS = 256;

/** Text handed to the BPE in one call; counting yields to the event loop between calls when it has run long. */
const SEGMENT_CHARS = 8192;
/** Text the pre-tokenizer regex runs over at once (a multiple of MAX_PIECE_CHARS, so long runs are cut where they were). */
const SCAN_WINDOW_CHARS = 16_384;
/** How long counting runs before letting other requests, probes and streams in. */
const SLICE_MS = 5;

// Special-token strings in caller text are text (tiktoken's encode_ordinary), never control
// tokens and never an error: by default gpt-tokenizer throws on "<|endoftext|>".
const ORDINARY = { disallowedSpecial: new Set<string>() };

/**
 * Cuts text into segments whose pre-tokenizer pieces are at most MAX_PIECE_CHARS long and whose
 * length is about SEGMENT_CHARS. Segments end where a piece ends on a non-space character, so
 * the pre-tokenizer sees the same pieces in each segment as in the whole text (its `\s+$` and
 * `\s+(?!\S)` look past a piece only at whitespace): the count is exact unless a piece was cut
 * (a run longer than MAX_PIECE_CHARS), or text went SEGMENT_CHARS × 2 without such an end (a
 * long run of punctuation-newline pairs), where a cut may move a token boundary.
 */
export function* boundedSegments(text: string): Generator<string> {
  if (text.length <= MAX_PIECE_CHARS) {
    if (text.length > 0) yield text;
    return;
  }
  const splitter = new RegExp(CL100K_TOKEN_SPLIT_REGEX.source, CL100K_TOKEN_SPLIT_REGEX.flags);
  let start = 0;
  // the pre-tokenizer runs on windows of the text: one match over a million-character run held
  // the event loop for 16-36 ms before counting could yield
  for (let scanFrom = 0; scanFrom < text.length; ) {
    const windowEnd = Math.min(scanFrom + SCAN_WINDOW_CHARS, text.length);
    let resumeAt = windowEnd;
    for (const match of text.slice(scanFrom, windowEnd).matchAll(splitter)) {
      const piece = match[0];
      const pieceStart = scanFrom + match.index;
      const pieceEnd = pieceStart + piece.length;
      // a short piece at the window's end may go on past it: it is read again with the next window
      if (pieceEnd === windowEnd && windowEnd < text.length && piece.length <= MAX_PIECE_CHARS && pieceStart > scanFrom) {
        resumeAt = pieceStart;
        break;
      }
      if (piece.length > MAX_PIECE_CHARS) {
        if (pieceStart > start) yield text.slice(start, pieceStart);
        yield* slices(piece);
        start = pieceEnd;
        continue;
      }
      const length = pieceEnd - start;
      if ((length >= SEGMENT_CHARS && !isRegexWhitespace(text.charCodeAt(pieceEnd - 1))) || length >= SEGMENT_CHARS * 2) {
        yield text.slice(start, pieceEnd);
        start = pieceEnd;
      }
    }
    scanFrom = resumeAt;
  }
  if (start < text.length) yield text.slice(start);
}

/** MAX_PIECE_CHARS slices of a piece, never splitting a surrogate pair. */
function* slices(piece: string): Generator<string> {
  for (let start = 0; start < piece.length; ) {
    let end = Math.min(start + MAX_PIECE_CHARS, piece.length);
    if (end < piece.length && isHighSurrogate(piece.charCodeAt(end - 1))) end--;
    yield piece.slice(start, end);
    start = end;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Linear-time counting and encoding: no piece longer than MAX_PIECE_CHARS reaches the BPE.
 * The count equals gpt-tokenizer's `countTokens` on text whose runs (words, punctuation,
 * whitespace) are at most MAX_PIECE_CHARS long, which is all natural-language text (the test
 * checks generated text of 3,000–6,000 runs); where a longer run is cut, measured differences
 * were +0.04% to +0.19% on 10,000–80,000 random letters and none on runs of one repeated
 * character, punctuation, spaces, CJK or emoji (bench/tokenizer.mjs, docs/security.md).
 * `count` and `countChat` yield to the event loop every SLICE_MS of work, so a request of any
 * size up to the body limit never holds it long.
 */
export class Tokenizer {
  constructor(private readonly encoding: Encoding) {}

  encode(text: string): number[] {
    const out: number[] = [];
    for (const segment of boundedSegments(text)) for (const token of this.encoding.encode(segment, ORDINARY)) out.push(token);
    return out;
  }

  /** Decodes one token on its own (the simulator streams token by token). */
  decodeOne(token: number): string {
    return this.encoding.decode([token]);
  }

  /** Synchronous and linear, but unbounded in time for a large text: for short texts; requests use `count`. */
  countNow(text: string): number {
    let total = 0;
    for (const segment of boundedSegments(text)) total += this.encoding.countTokens(segment, ORDINARY);
    return total;
  }

  async count(text: string): Promise<number> {
    const clock = new WorkSlices(SLICE_MS);
    return this.countYielding(text, clock);
  }

  /** The tokens of several texts, sharing one time slice: many small texts yield as one large one does. */
  async countAll(texts: readonly string[]): Promise<number> {
    const clock = new WorkSlices(SLICE_MS);
    let total = 0;
    for (const text of texts) total += await this.countYielding(text, clock);
    return total;
  }

  async countChat(messages: readonly ChatLikeMessage[]): Promise<number> {
    const clock = new WorkSlices(SLICE_MS);
    let total = TOKENS_PER_REPLY;
    for (const message of messages) {
      total += TOKENS_PER_MESSAGE + (await this.countYielding(message.role, clock)) + (await this.countYielding(message.content, clock));
    }
    return total;
  }

  private async countYielding(text: string, clock: WorkSlices): Promise<number> {
    let total = 0;
    for (const segment of boundedSegments(text)) {
      total += this.encoding.countTokens(segment, ORDINARY);
      await clock.yieldIfLong();
    }
    return total;
  }
}
