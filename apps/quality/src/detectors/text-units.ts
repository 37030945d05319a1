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
 * -ing, -ed, -es, -s (keeping at least three letters) and a final -e. Applied to both sides of a
 * comparison, so its mistakes cancel out.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('es')) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
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

// "four days" and "4 days" are one claim; small number words are read as their digits
const NUMBER_WORDS = new Map(
  'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty'
    .split(' ')
    .map((word, value) => [word, String(value)]),
);
const NEGATIONS = new Set(['not', 'no', 'never', 'none', 'nor', 'neither', 'nothing', 'nobody', 'nowhere', 'cannot', 'without']);
// words that open an answer without claiming anything ("Sure!", "Yes.", "Great question.")
const FILLER = new Set(['sure', 'certainly', 'absolutely', 'okay', 'yes', 'yeah', 'yep', 'nope', 'thank', 'thanks', 'great', 'question', 'hello', 'happy', 'glad', 'help', 'answer', 'course', 'here', 'hope', 'helps']);

/** What one sentence claims, for the groundedness check: its terms, which of them name something, and its polarity. */
export interface SentenceClaims {
  /** Content words (stemmed) and numbers, as `contentWords` gives them, with number words as digits. */
  terms: Set<string>;
  /** Terms that name something: numbers, and capitalised words that do not open the sentence. */
  entities: Set<string>;
  /** True when the sentence says "not", "never", "no", "…n't". */
  isNegated: boolean;
}

/**
 * Reads one sentence's claims in one pass over its words (linear, no backtracking). Thousands
 * separators are dropped first ("2,850" is 2850) so a figure is one term on both sides.
 */
export function sentenceClaims(sentence: string): SentenceClaims {
  const terms = new Set<string>();
  const entities = new Set<string>();
  let isNegated = false;
  let isFirst = true;
  for (const match of sentence.replace(/(\d),(\d{3})/g, '$1$2').matchAll(WORD)) {
    const raw = match[0];
    const word = normalise(raw);
    const isOpening = isFirst;
    isFirst = false;
    if (NEGATIONS.has(word) || word.endsWith("n't")) {
      isNegated = true;
      continue;
    }
    const digits = /^\p{N}+$/u.test(word) ? word : NUMBER_WORDS.get(word);
    if (digits !== undefined) {
      terms.add(digits);
      entities.add(digits);
      continue;
    }
    if (word.length < 3 || STOP_WORDS.has(word) || FILLER.has(word)) continue;
    const term = stem(word.endsWith("'s") ? word.slice(0, -2) : word);
    terms.add(term);
    const first = raw.codePointAt(0)!;
    if (!isOpening && String.fromCodePoint(first) !== String.fromCodePoint(first).toLowerCase()) entities.add(term);
  }
  return { terms, entities, isNegated };
}
