/**
 * Text units shared by the detectors: sentences and content words. Deliberately simple and
 * language-light (English stop words, a crude suffix stemmer): the groundedness check only
 * needs "does this sentence's vocabulary come from the context", not linguistics.
 */

const SENTENCE_BOUNDARY = /(?<=[.!?。！？]["')\]]*)\s+|\n+/u;
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

/** Splits text into sentences at . ! ? (followed by space) and at line breaks; empty pieces are dropped. */
export function splitSentences(text: string): string[] {
  return text
    .split(SENTENCE_BOUNDARY)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
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
