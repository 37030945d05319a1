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

export class Tokenizer {
  constructor(private readonly encoding: Encoding) {}

  encode(text: string): number[] {
    return this.encoding.encode(text);
  }

  /** Decodes one token on its own (the simulator streams token by token). */
  decodeOne(token: number): string {
    return this.encoding.decode([token]);
  }

  count(text: string): number {
    return text.length === 0 ? 0 : this.encoding.countTokens(text);
  }

  countChat(messages: readonly ChatLikeMessage[]): number {
    let total = TOKENS_PER_REPLY;
    for (const message of messages) total += TOKENS_PER_MESSAGE + this.count(message.role) + this.count(message.content);
    return total;
  }
}
