import { WorkSlices } from '@tokenscope/app-runtime';
import type { DetectorVerdict, GenerationUnderReview, QualityDetector } from './quality-detector.js';
import { numberTerm, sentenceClaims, splitSentences, stem, type SentenceClaims } from './text-units.js';

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
  /** The distinct numbers of the context and the question (at most MAX_NUMBERS of them). */
  numbers: number[];
  /** Differences of two of `numbers` (see isDerived), built on first use. */
  derived?: Set<string>;
}

// a term found in more sentences than this says little about which sentence an answer restates
const MAX_POSTINGS_READ = 64;
// a sentence naming more things than this is a list: whether they stand together is not checked
const MAX_ENTITIES_TOGETHER = 5;
// numbers of the context that answers may compute with: 128 give 8,128 pairs, built once per context
const MAX_NUMBERS = 128;
/**
 * The hallucination signal: is what the answer claims in the context it was given? Per sentence
 * of the answer: every number and every name (a capitalised word) must occur in the context or the
 * question; a short answer (fewer than `minContentWords` terms) must be made of context words
 * only; a longer one must have `minSupport` of its words there; its names must stand together
 * in the context (in one sentence or two neighbouring ones); and a sentence restating a context
 * sentence must keep its polarity ("is" vs "is not"). Version 3 reads a number that is the
 * difference of two context numbers as found ("41 years"), one unit word beside a found number in a
 * short answer, number words, decimals and "7 million" as values, one spelling for British/American
 * words and unit abbreviations, and an acronym for the capitalised words it abbreviates.
 * Still lexical: a swap of two names that the context mentions, or a changed verb, passes; a judge
 * model catches those.
 */
export class GroundednessDetector implements QualityDetector {
  readonly name = 'lexical-groundedness';
  readonly version = 'groundedness-lexical@3';
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
    // "National Aeronautics and Space Administration" where the context says "NASA": its words count as found
    const expanded = new Set<string>();
    for (const run of claims.names) if (run.initials && index.vocabulary.has(stem(run.initials))) for (const term of run.terms) expanded.add(term);
    const numberTerms = new Set(claims.numbers.map((n) => numberTerm(n)));
    let found = 0;
    for (const term of terms) if (index.vocabulary.has(term) || expanded.has(term) || (numberTerms.has(term) && isDerived(term, index))) found++;
    for (const entity of entities) {
      if (index.vocabulary.has(entity) || expanded.has(entity)) continue;
      if (numberTerms.has(entity)) {
        if (!isDerived(entity, index)) return 'changed number';
      } else return 'unknown name';
    }
    if (terms.size < this.options.minContentWords) {
      // "41 years", "By 32,000 people": a found or computed number may carry one word of its own
      const carriesUnit = found === terms.size - 1 && claims.numbers.length > 0 && [...numberTerms].every((term) => index.vocabulary.has(term) || isDerived(term, index));
      if (found < terms.size && !carriesUnit) return 'short answer not in context';
    } else if (found / terms.size < this.options.minSupport) return 'words not in context';
    if (!entitiesTogether(entities, index)) return 'names not together';
    const closest = closestSentence(terms, index);
    if (closest && closest.isNegated !== claims.isNegated) return 'negation differs';
    return 'supported';
  }
}

/**
 * Whether a number of the answer is the difference of two numbers of the context ("41 years" from 1889
 * and 1930, "238 metres" from 8,849 and 8,611). Operands under 10 or further apart than 100 times are
 * not paired (1958 − 1 or 1969 − 11 is a changed date, not a computation). Sums and ratios were tried and
 * dropped: on the blind set they let changed numbers through more often than they saved computed ones.
 */
function isDerived(term: string, index: ContextIndex): boolean {
  if (!index.derived) {
    const derived = new Set<string>();
    const values = index.numbers;
    for (let i = 0; i < values.length; i++) {
      for (let j = 0; j < values.length; j++) {
        const a = values[i]!;
        const b = values[j]!;
        if (i === j || b < 10 || a < b || b * 100 < a) continue;
        derived.add(numberTerm(a - b));
      }
    }
    index.derived = derived;
  }
  return index.derived.has(term);
}

/** Splits the context into sentences and indexes their terms; the question's terms join the vocabulary. */
export async function indexContext(context: readonly string[], question: string | undefined, slices = new WorkSlices()): Promise<ContextIndex> {
  const vocabulary = new Set<string>();
  const sentences: SentenceClaims[] = [];
  const postings = new Map<string, number[]>();
  const numbers = new Set<number>();
  const addNumbers = (claims: SentenceClaims): void => {
    for (const n of claims.numbers) if (numbers.size < MAX_NUMBERS) numbers.add(n);
  };
  for (const doc of context) {
    for (const sentence of splitSentences(doc)) {
      // before any early `continue`: a document of 32,768 brackets has no term, and 64 of them take ~50 ms
      await slices.yieldIfLong();
      const claims = sentenceClaims(sentence);
      if (claims.terms.size === 0) continue;
      const at = sentences.length;
      sentences.push(claims);
      addNumbers(claims);
      // "NASA" in an answer is the context's "National Aeronautics and Space Administration"
      for (const run of claims.names) if (run.initials && run.initials.length >= 3) vocabulary.add(stem(run.initials));
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
  if (question) {
    const claims = sentenceClaims(question);
    for (const term of claims.terms) vocabulary.add(term);
    addNumbers(claims);
  }
  return { vocabulary, sentences, postings, numbers: [...numbers] };
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
