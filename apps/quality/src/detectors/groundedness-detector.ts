import { WorkSlices } from '@tokenscope/app-runtime';
import type { DetectorVerdict, GenerationUnderReview, QualityDetector } from './quality-detector.js';
import { sentenceClaims, splitSentences, type SentenceClaims } from './text-units.js';

export interface GroundednessOptions {
  /** A sentence is supported when at least this share of its content words occur in the context. */
  minSupport: number;
  /** The generation is ungrounded when more than this share of its checked sentences are unsupported. */
  maxUnsupported: number;
  /**
   * Sentences with fewer terms are short answers ("Warsaw", "12 books"): every term of theirs must
   * be in the context (or the question), instead of a share of them.
   */
  minContentWords: number;
}

export const DEFAULT_GROUNDEDNESS: GroundednessOptions = { minSupport: 0.5, maxUnsupported: 0.3, minContentWords: 3 };

/** Why a sentence was found unsupported (a fixed phrase, for the verdict's reason). */
export type UnsupportedWhy = 'changed number' | 'unknown name' | 'short answer not in context' | 'negation differs' | 'names not together' | 'words not in context';

/** How one output compares with its context, sentence by sentence. */
/** Counts the judged sentences of one answer into a GroundednessReport. */
class SentenceTally {
  private checked = 0;
  private unsupported = 0;
  private firstReason: UnsupportedWhy | undefined;

  add(why: UnsupportedWhy | 'supported' | 'not checked'): void {
    if (why === 'not checked') return;
    this.checked++;
    if (why === 'supported') return;
    this.unsupported++;
    this.firstReason ??= why;
  }

  report(): GroundednessReport {
    const share = this.checked === 0 ? 0 : this.unsupported / this.checked;
    return { checkedSentences: this.checked, unsupportedSentences: this.unsupported, unsupportedShare: share, ...(this.firstReason ? { firstReason: this.firstReason } : {}) };
  }
}

export interface GroundednessReport {
  checkedSentences: number;
  unsupportedSentences: number;
  /** unsupported / checked, 0 when nothing was checked. */
  unsupportedShare: number;
  /** The first reason a sentence was unsupported, if any. */
  firstReason?: UnsupportedWhy;
}

/** The context as sentences, with an index from each term to the sentences holding it. */
export interface ContextIndex {
  /** Every term of the context and of the question. */
  vocabulary: Set<string>;
  sentences: SentenceClaims[];
  /** term -> indices into `sentences` (context sentences only; each document's sentences are consecutive). */
  postings: Map<string, number[]>;
}

// a term found in more sentences than this says little about which sentence an answer restates
const MAX_POSTINGS_READ = 64;
// a sentence naming more things than this is a list: whether they stand together is not checked
const MAX_ENTITIES_TOGETHER = 5;

/**
 * The hallucination signal: is what the answer claims in the context it was given? Per sentence
 * of the answer: every number and every name (a capitalised word) must occur in the context or the
 * question; a short answer (fewer than `minContentWords` terms) must be made of context words
 * only; a longer one must have `minSupport` of its words there; its names must stand together
 * in the context (in one sentence or two neighbouring ones); and a sentence restating a context
 * sentence must keep its polarity ("is" vs "is not"). Still lexical: a swap of two names that
 * the context mentions together, or a changed verb, passes; a judge model catches those.
 */
export class GroundednessDetector implements QualityDetector {
  readonly name = 'lexical-groundedness';
  readonly version = 'groundedness-lexical@2';
  readonly signal = 'hallucination' as const;

  constructor(private readonly options: GroundednessOptions = DEFAULT_GROUNDEDNESS) {}

  async detect(generation: GenerationUnderReview): Promise<DetectorVerdict> {
    const version = this.version;
    if (!generation.context || generation.context.length === 0) return { status: 'not_checked', reason: 'no context', version };
    // a context can hold 64 documents of 32,768 characters: ~50 ms of word splitting in one go
    const slices = new WorkSlices();
    const index = await indexContext(generation.context, generation.prompt, slices);
    if (index.sentences.length === 0) return { status: 'not_checked', reason: 'empty context', version };
    const report = await this.compareSliced(generation.output, index, slices);
    if (report.checkedSentences === 0) return { status: 'not_checked', reason: 'no checkable sentence', version };
    const isUngrounded = report.unsupportedShare > this.options.maxUnsupported;
    return {
      status: isUngrounded ? 'flagged' : 'clear',
      score: report.unsupportedShare,
      reason: isUngrounded ? (report.firstReason ?? 'unsupported sentences') : 'supported by context',
      version,
    };
  }

  /** The comparison without yielding (unit tests, short texts). */
  compare(output: string, index: ContextIndex): GroundednessReport {
    const tally = new SentenceTally();
    for (const sentence of splitSentences(output)) tally.add(this.judgeSentence(sentenceClaims(sentence), index));
    return tally.report();
  }

  private async compareSliced(output: string, index: ContextIndex, slices: WorkSlices): Promise<GroundednessReport> {
    const tally = new SentenceTally();
    for (const sentence of splitSentences(output)) {
      tally.add(this.judgeSentence(sentenceClaims(sentence), index));
      await slices.yieldIfLong();
    }
    return tally.report();
  }

  private judgeSentence(claims: SentenceClaims, index: ContextIndex): UnsupportedWhy | 'supported' | 'not checked' {
    const { terms, entities } = claims;
    if (terms.size === 0) return 'not checked';
    let found = 0;
    for (const term of terms) if (index.vocabulary.has(term)) found++;
    for (const entity of entities) {
      if (!index.vocabulary.has(entity)) return /^\p{N}+$/u.test(entity) ? 'changed number' : 'unknown name';
    }
    if (terms.size < this.options.minContentWords) {
      if (found < terms.size) return 'short answer not in context';
    } else if (found / terms.size < this.options.minSupport) return 'words not in context';
    if (!entitiesTogether(entities, index)) return 'names not together';
    const closest = closestSentence(terms, index);
    if (closest && closest.isNegated !== claims.isNegated) return 'negation differs';
    return 'supported';
  }
}

/** Splits the context into sentences and indexes their terms; the question's terms join the vocabulary. */
export async function indexContext(context: readonly string[], question: string | undefined, slices = new WorkSlices()): Promise<ContextIndex> {
  const vocabulary = new Set<string>();
  const sentences: SentenceClaims[] = [];
  const postings = new Map<string, number[]>();
  for (const doc of context) {
    for (const sentence of splitSentences(doc)) {
      // before any early `continue`: a document of 32,768 brackets has no term, and 64 of them take ~50 ms
      await slices.yieldIfLong();
      const claims = sentenceClaims(sentence);
      if (claims.terms.size === 0) continue;
      const at = sentences.length;
      sentences.push(claims);
      for (const term of claims.terms) {
        vocabulary.add(term);
        const list = postings.get(term);
        if (!list) postings.set(term, [at]);
        else if (list.length <= MAX_POSTINGS_READ) list.push(at);
      }
    }
    // a document of blank lines has no sentence at all
    await slices.yieldIfLong();
  }
  if (question) for (const term of sentenceClaims(question).terms) vocabulary.add(term);
  return { vocabulary, sentences, postings };
}

/** Whether some context sentence, or two neighbouring ones, hold every name of the sentence. */
function entitiesTogether(entities: ReadonlySet<string>, index: ContextIndex): boolean {
  if (entities.size < 2 || entities.size > MAX_ENTITIES_TOGETHER) return true;
  const [first, ...rest] = [...entities];
  const candidates = index.postings.get(first!);
  // only in the question, or too common to place: nothing to hold together
  if (!candidates || candidates.length > MAX_POSTINGS_READ) return true;
  for (const at of candidates) {
    for (const start of [at - 1, at]) {
      const window = [index.sentences[start], index.sentences[start + 1]];
      if (rest.every((entity) => window.some((s) => s?.terms.has(entity)) || !index.postings.has(entity))) return true;
    }
  }
  return false;
}

/** The context sentence sharing most terms with the sentence, when it shares at least 60% of them. */
function closestSentence(terms: ReadonlySet<string>, index: ContextIndex): SentenceClaims | undefined {
  const overlap = new Map<number, number>();
  for (const term of terms) {
    const list = index.postings.get(term);
    if (!list || list.length > MAX_POSTINGS_READ) continue;
    for (const at of list) overlap.set(at, (overlap.get(at) ?? 0) + 1);
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [at, count] of overlap) {
    if (count > bestCount) {
      best = at;
      bestCount = count;
    }
  }
  return best !== undefined && bestCount >= 0.6 * terms.size ? index.sentences[best] : undefined;
}
