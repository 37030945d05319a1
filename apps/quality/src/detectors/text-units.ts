import { isRegexWhitespace } from '@tokenscope/app-runtime';

/**
 * Text units shared by the detectors: sentences and content words. Deliberately simple and
 * language-light (English stop words, a crude suffix stemmer): the groundedness check only
 * needs "does this sentence's vocabulary come from the context", not linguistics.
 */

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

// Function words carry no claim: "the model is fast" and "a model was fast" share their content.
const STOP_WORDS = new Set(
  `a about above after again against all also am an and any are aren't as at be because been before being below between both but by
can can't cannot could couldn't did didn't do does doesn't doing don't down during each either else etc even ever every few for from
further had hadn't has hasn't have haven't having he her here hers herself him himself his how however i if in into is isn't it it's its
itself just let's like may me might more most much must mustn't my myself neither no nor not now of off often on once only or other
ought our ours ourselves out over own per rather same shall shan't she should shouldn't so some such than that that's the their theirs
them themselves then there there's these they this those though through thus to too under until up upon us very via was wasn't we were
weren't what what's when where whether which while who whom whose why will with within without won't would wouldn't yet you your yours
yourself yourselves also let one two many several`
    .split(/\s+/)
    .filter((w) => w.length > 0),
);

const TERMINATORS = new Set([...'.!?。！？'].map((c) => c.charCodeAt(0)));
const CLOSERS = new Set([...'"\')]'].map((c) => c.charCodeAt(0)));
const LINE_FEED = 0x0a;

/**
 * Splits text into sentences: at whitespace after . ! ? 。！？ (and any closing quotes or
 * brackets after it), and at line breaks; pieces are trimmed and empty ones dropped. One pass,
 * linear in the text: the lookbehind regex it replaces re-scanned a run of closers at every
 * position (an output of 32,768 `)` took a second, issue 12).
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  const add = (from: number, to: number): void => {
    const sentence = text.slice(from, to).trim();
    if (sentence.length > 0) sentences.push(sentence);
  };
  let sentenceStart = 0;
  // the characters since the last whitespace are a terminator followed only by closers
  let isAfterTerminator = false;
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i);
    if (!isRegexWhitespace(code)) {
      if (TERMINATORS.has(code)) isAfterTerminator = true;
      else if (!CLOSERS.has(code)) isAfterTerminator = false;
      i++;
      continue;
    }
    let runEnd = i;
    while (runEnd < text.length && isRegexWhitespace(text.charCodeAt(runEnd))) runEnd++;
    if (isAfterTerminator) {
      add(sentenceStart, i);
      sentenceStart = runEnd;
    } else {
      for (let j = i; j < runEnd; j++) {
        if (text.charCodeAt(j) !== LINE_FEED) continue;
        let feedsEnd = j;
        while (feedsEnd < runEnd && text.charCodeAt(feedsEnd) === LINE_FEED) feedsEnd++;
        add(sentenceStart, j);
        sentenceStart = feedsEnd;
        j = feedsEnd;
      }
    }
    isAfterTerminator = false;
    i = runEnd;
  }
  add(sentenceStart, text.length);
  return sentences;
}

/** Lowercase, curly apostrophes made straight. */
export function normalise(text: string): string {
  return text.toLowerCase().replace(/[’‘`´]/g, "'");
}

/**
 * A crude stemmer so that "models"/"model" and "batched"/"batching"/"batch" meet: strips one of
 * -ing, -ies (as -y), -ed, -es, -s (keeping at least three letters) and a final -e. Applied to both sides of a
 * comparison, so its mistakes cancel out.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('es')) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

// One spelling for words written several ways (British/American spelling, unit abbreviations): both sides of
// a comparison are read through it. Synonyms and irregular past tenses were tried in groundedness-lexical@3 and
// dropped: they cost a caught negation on the blind set and saved no paraphrase there.
const CANONICAL = new Map<string, string>(
  (
    'km:kilometre kms:kilometre kilometer:kilometre kilometers:kilometre kilometres:kilometre meter:metre meters:metre metres:metre ' +
    'cm:centimetre centimeter:centimetre centimeters:centimetre centimetres:centimetre kg:kilogram kilograms:kilogram ' +
    'liter:litre liters:litre litres:litre ft:feet foot:feet sq:square center:centre centers:centre theater:theatre color:colour ' +
    'favorite:favourite honor:honour labor:labour neighbor:neighbour gray:grey defense:defence offense:offence'
  )
    .split(' ')
    .map((pair) => pair.split(':') as [string, string]),
);

/** The word as the comparison reads it: one spelling, "-ize" as "-ise". */
export function canonical(word: string): string {
  const mapped = CANONICAL.get(word);
  if (mapped !== undefined) return mapped;
  const iz = word.indexOf('iz');
  // organize/organise, realization/realisation: only where -iz- starts a suffix
  if (iz > 2 && (word.endsWith('ize') || word.endsWith('ized') || word.endsWith('izes') || word.endsWith('izing') || word.includes('ization'))) return `${word.slice(0, iz)}is${word.slice(iz + 2)}`;
  return word;
}

/**
 * The distinct content words of a text, stemmed: words that are not stop words and have at
 * least three characters, plus every number (a changed figure is a changed claim).
 */
export function contentWords(text: string): Set<string> {
  const out = new Set<string>();
  for (const match of normalise(text).matchAll(WORD)) {
    const word = match[0];
    const isNumber = /^\p{N}+$/u.test(word);
    if (!isNumber && (word.length < 3 || STOP_WORDS.has(word))) continue;
    out.add(isNumber ? word : stem(word));
  }
  return out;
}

// "four days" and "4 days" are one claim; number words are read as their digits
const NUMBER_WORDS = new Map(
  'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty'
    .split(' ')
    .map((word, value) => [word, value] as [string, number]),
);
const TENS = new Map('thirty forty fifty sixty seventy eighty ninety'.split(' ').map((word, i) => [word, 30 + 10 * i] as [string, number]));
const MULTIPLIERS = new Map([
  ['hundred', 100],
  ['thousand', 1_000],
  ['million', 1_000_000],
  ['billion', 1_000_000_000],
]);
const NEGATIONS = new Set(['not', 'no', 'never', 'none', 'nor', 'neither', 'nothing', 'nobody', 'nowhere', 'cannot', 'without']);
// words that open an answer without claiming anything ("Sure!", "Yes.", "Great question.")
const FILLER = new Set(['sure', 'certainly', 'absolutely', 'okay', 'yes', 'yeah', 'yep', 'nope', 'thank', 'thanks', 'great', 'question', 'hello', 'happy', 'glad', 'help', 'answer', 'course', 'here', 'hope', 'helps']);
// small words inside a name ("Duke of Normandy", "Space Administration and …") that do not end it
const NAME_JOINERS = new Set(['of', 'and', 'for', 'de', 'la', 'von', 'van', 'der', 'del', 'du', 'the', "'s"]);
// the longest run of capitalised words read as one name (a title in capitals is not a name)
const MAX_NAME_WORDS = 8;

/** A run of capitalised words ("Gustave Eiffel", "National Aeronautics and Space Administration"). */
export interface NameRun {
  /** Its terms, as `terms` holds them. */
  terms: string[];
  /** The lowercase initials of its capitalised words ("nasa"), when it has two or more. */
  initials?: string;
  /** True when it names something: not only the capitalised first word of the sentence. */
  isName: boolean;
}

/** What one sentence claims, for the groundedness check: its terms, which of them name something, and its polarity. */
export interface SentenceClaims {
  /** Content words (stemmed) and numbers, as `contentWords` gives them, with number words as digits. */
  terms: Set<string>;
  /** Terms that name something: numbers, and capitalised words that do not open the sentence. */
  entities: Set<string>;
  /** The numbers among the terms, as values. */
  numbers: number[];
  /** Its runs of capitalised words, in order. */
  names: NameRun[];
  /** True when the sentence says "not", "never", "no", "…n't". */
  isNegated: boolean;
}

/** A number as a term: digits, at most three decimals. */
export const numberTerm = (value: number): string => (Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000));

/**
 * Reads one sentence's claims in one pass over its words (linear, no backtracking). Thousands
 * separators are dropped first ("2,850" is 2850) so a figure is one term on both sides; "6.4" is one
 * number, "forty-one" is 41, and "7 million" or "6.4 thousand" are read as their value.
 */
export function sentenceClaims(sentence: string): SentenceClaims {
  const terms = new Set<string>();
  const entities = new Set<string>();
  const numbers: number[] = [];
  const names: NameRun[] = [];
  let isNegated = false;
  let isFirst = true;
  // the last number read, while the next word may still extend it ("6" "." "4", "forty" "one", "7" "million")
  let last: { value: number; end: number; isTens: boolean } | undefined;
  let run: NameRun | undefined;
  let runLetters = '';
  let runWords = 0;
  const closeRun = (): void => {
    if (run && run.terms.length > 0) {
      if (runLetters.length >= 2) run.initials = runLetters;
      if (runWords <= MAX_NAME_WORDS) names.push(run);
    }
    run = undefined;
    runLetters = '';
    runWords = 0;
  };
  const setNumber = (value: number, replaces?: number): void => {
    if (replaces !== undefined) {
      const old = numberTerm(replaces);
      terms.delete(old);
      entities.delete(old);
      const at = numbers.lastIndexOf(replaces);
      if (at >= 0) numbers.splice(at, 1);
    }
    const term = numberTerm(value);
    terms.add(term);
    entities.add(term);
    numbers.push(value);
  };
  const text = sentence.replace(/(\d),(?=\d{3})/g, '$1');
  for (const match of text.matchAll(WORD)) {
    const raw = match[0];
    const word = normalise(raw);
    const start = match.index;
    const isOpening = isFirst;
    isFirst = false;
    if (NEGATIONS.has(word) || word.endsWith("n't")) {
      isNegated = true;
      closeRun();
      last = undefined;
      continue;
    }
    const gap = last ? text.slice(last.end, start) : '';
    if (last && /^\p{N}+$/u.test(word) && gap === '.' && !last.isTens) {
      setNumber(Number(`${last.value}.${word}`), last.value);
      last = { value: Number(`${last.value}.${word}`), end: start + raw.length, isTens: false };
      continue;
    }
    const multiplier = MULTIPLIERS.get(word);
    if (last && multiplier !== undefined && (gap === ' ' || gap === '-')) {
      const value = last.value * multiplier;
      setNumber(value, last.value);
      last = { value, end: start + raw.length, isTens: false };
      continue;
    }
    const small = NUMBER_WORDS.get(word);
    if (last?.isTens && small !== undefined && small > 0 && small < 10 && (gap === '-' || gap === ' ')) {
      setNumber(last.value + small, last.value);
      last = undefined;
      continue;
    }
    const value = /^\p{N}+$/u.test(word) ? Number(word) : (small ?? TENS.get(word));
    if (value !== undefined && Number.isFinite(value)) {
      closeRun();
      setNumber(value);
      last = { value, end: start + raw.length, isTens: TENS.has(word) };
      continue;
    }
    last = undefined;
    const first = raw.codePointAt(0)!;
    const isCapital = String.fromCodePoint(first) !== String.fromCodePoint(first).toLowerCase();
    if (!isCapital && !(run && NAME_JOINERS.has(word))) closeRun();
    const bare = word.endsWith("'s") ? word.slice(0, -2) : word;
    const spelled = canonical(bare);
    if (spelled.length < 3 || STOP_WORDS.has(spelled) || FILLER.has(spelled)) {
      // "The" or "And" inside a name neither ends it nor spells its initials
      continue;
    }
    const term = stem(spelled);
    terms.add(term);
    if (!isCapital) continue;
    run ??= { terms: [], isName: false };
    run.terms.push(term);
    runLetters += bare[0];
    runWords++;
    if (!isOpening) {
      entities.add(term);
      run.isName = true;
    } else if (runWords > 1) run.isName = true;
  }
  closeRun();
  return { terms, entities, numbers, names, isNegated };
}
