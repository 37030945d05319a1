import type { Tokenizer } from '../../tokens/tokenizer.js';
import { SIMULATOR_CORPUS } from './corpus.js';

/** Ways models refuse, so that the quality service's refusal detector has something to find. */
const REFUSALS = [
  "I'm sorry, but I can't help with that request.",
  'I cannot assist with that. If you have another question, I would be glad to help.',
  "As an AI language model, I'm not able to provide that information.",
  "I'm unable to help with this request because it goes against my guidelines.",
];

export type AnswerKind = 'corpus' | 'grounded' | 'refusal';

const SENTENCE_END = /(?<=[.!?])\s+/;
/**
 * English runs about 4 characters a token, so a sentence cut at 8 per token still yields the tokens
 * wanted from it, as before; a cut that yields fewer only lets the next sentence supply the rest.
 */
const CHARS_PER_TOKEN_BOUND = 8;

/** Chooses the token ids of a simulated answer from a seeded random source. */
export class AnswerText {
  private readonly corpusTokens: number[];
  /** Token offsets at which corpus sentences start, so answers begin at a sentence. */
  private readonly sentenceStarts: number[];
  private readonly refusalTokens: number[][];

  constructor(private readonly tokenizer: Tokenizer) {
    const sentences = SIMULATOR_CORPUS.replace(/\s+/g, ' ').trim().split(SENTENCE_END);
    this.corpusTokens = [];
    this.sentenceStarts = [];
    for (const sentence of sentences) {
      this.sentenceStarts.push(this.corpusTokens.length);
      this.corpusTokens.push(...tokenizer.encode(`${this.corpusTokens.length === 0 ? '' : ' '}${sentence}`));
    }
    this.refusalTokens = REFUSALS.map((text) => tokenizer.encode(text));
  }

  /** Up to `length` tokens of the kind asked for; refusals are whole sentences cut only by length. */
  tokens(kind: AnswerKind, length: number, random: () => number, context: readonly string[] | undefined): number[] {
    if (kind === 'refusal') {
      return this.refusalTokens[Math.floor(random() * this.refusalTokens.length)]!.slice(0, length);
    }
    if (kind === 'grounded' && context && context.length > 0) {
      const grounded = this.fromContext(context, length, random);
      if (grounded.length > 0) return grounded;
    }
    const start = this.sentenceStarts[Math.floor(random() * this.sentenceStarts.length)]!;
    const out: number[] = [];
    for (let i = 0; i < length; i++) out.push(this.corpusTokens[(start + i) % this.corpusTokens.length]!);
    return out;
  }

  decode(token: number): string {
    return this.tokenizer.decodeOne(token);
  }

  /** Sentences copied from the grounding documents, in order: an answer the context supports. */
  private fromContext(context: readonly string[], length: number, random: () => number): number[] {
    const sentences = context.flatMap((doc) => doc.replace(/\s+/g, ' ').trim().split(SENTENCE_END)).filter((s) => s.length > 0);
    if (sentences.length === 0) return [];
    let index = Math.floor(random() * sentences.length);
    const out: number[] = [];
    for (let guard = 0; out.length < length && guard < sentences.length * 4; guard++) {
      // only the first tokens are kept: a sentence of the caller's can be a whole body long
      const sentence = sentences[index % sentences.length]!.slice(0, (length - out.length) * CHARS_PER_TOKEN_BOUND);
      for (const token of this.tokenizer.encode(`${out.length === 0 ? '' : ' '}${sentence}`)) out.push(token);
      index++;
    }
    return out.slice(0, length);
  }
}
