import { WorkSlices } from '@tokenscope/app-runtime';
import type { DetectorVerdict, GenerationUnderReview, QualityDetector } from './quality-detector.js';
import { contentWords, splitSentences } from './text-units.js';

export interface GroundednessOptions {
  /** A sentence is supported when at least this share of its content words occur in the context. */
  minSupport: number;
  /** The generation is ungrounded when more than this share of its checked sentences are unsupported. */
  maxUnsupported: number;
  /** Sentences with fewer content words are filler ("Sure!", "Here it is:") and are not checked. */
  minContentWords: number;
}

export const DEFAULT_GROUNDEDNESS: GroundednessOptions = { minSupport: 0.5, maxUnsupported: 0.3, minContentWords: 3 };

/** How one output compares with its context, sentence by sentence. */
export interface GroundednessReport {
  checkedSentences: number;
  unsupportedSentences: number;
  /** unsupported / checked, 0 when nothing was checked. */
  unsupportedShare: number;
}

/**
 * The hallucination signal: is the answer's content in the context it was given? Lexical, so it
 * catches invented or off-topic sentences but not a context sentence turned into a false claim
 * by one word ("is" → "is not"); a judge model (see docs/quality.md) can be plugged in for that.
 */
export class GroundednessDetector implements QualityDetector {
  readonly name = 'lexical-groundedness';
  readonly signal = 'hallucination' as const;

  constructor(private readonly options: GroundednessOptions = DEFAULT_GROUNDEDNESS) {}

  async detect(generation: GenerationUnderReview): Promise<DetectorVerdict> {
    if (!generation.context || generation.context.length === 0) return { status: 'not_checked', reason: 'no context' };
    const vocabulary = new Set<string>();
    // a context can hold 64 documents of 32,768 characters: ~50 ms of word splitting in one go
    const slices = new WorkSlices();
    for (const doc of generation.context) {
      for (const word of contentWords(doc)) vocabulary.add(word);
      await slices.yieldIfLong();
    }
    if (vocabulary.size === 0) return { status: 'not_checked', reason: 'empty context' };
    const report = this.compare(generation.output, vocabulary);
    if (report.checkedSentences === 0) return { status: 'not_checked', reason: 'no checkable sentence' };
    const isUngrounded = report.unsupportedShare > this.options.maxUnsupported;
    return {
      status: isUngrounded ? 'flagged' : 'clear',
      score: report.unsupportedShare,
      reason: isUngrounded ? 'unsupported sentences' : 'supported by context',
    };
  }

  compare(output: string, vocabulary: ReadonlySet<string>): GroundednessReport {
    let checked = 0;
    let unsupported = 0;
    for (const sentence of splitSentences(output)) {
      const words = contentWords(sentence);
      if (words.size < this.options.minContentWords) continue;
      let found = 0;
      for (const word of words) if (vocabulary.has(word)) found++;
      checked++;
      if (found / words.size < this.options.minSupport) unsupported++;
    }
    return { checkedSentences: checked, unsupportedSentences: unsupported, unsupportedShare: checked === 0 ? 0 : unsupported / checked };
  }
}
