import { GroundednessDetector, indexContext } from './groundedness-detector.js';
import { contentWords, sentenceClaims, splitSentences, stem } from './text-units.js';

const CONTEXT = [
  'The Rhine flows through six countries. It rises in the Swiss Alps and reaches the North Sea in the Netherlands.',
  'Cologne Cathedral stands on the bank of the Rhine and took more than six hundred years to finish.',
];
const review = (output: string, context: string[] | null = CONTEXT, prompt?: string) => ({ requestId: 'r1', model: 'sim-fast', output, context, ...(prompt ? { prompt } : {}) });
const version = 'groundedness-lexical@3';

describe(GroundednessDetector.name, () => {
  const detector = new GroundednessDetector({ minSupport: 0.5, maxUnsupported: 0.3, minContentWords: 3 });

  it('passes an answer made of context sentences, even one cut mid-sentence', async () => {
    const verdict = await detector.detect(review('The Rhine flows through six countries. Cologne Cathedral stands on the bank of the'));
    expect(verdict).toEqual({ status: 'clear', score: 0, reason: 'supported by context', version });
  });

  it('flags an answer whose sentences are not in the context', async () => {
    const verdict = await detector.detect(review('Decode is limited by memory bandwidth. Continuous batching lets new requests join a running batch.'));
    expect(verdict).toEqual({ status: 'flagged', score: 1, reason: 'words not in context', version });
  });

  it('flags when more than the allowed share of sentences is unsupported, and not at it', async () => {
    const supported = 'The Rhine flows through six countries.';
    const invented = 'Its water is famously purple during winter festivals.';
    // 1 of 3 unsupported = 0.33 > 0.3
    expect((await detector.detect(review(`${supported} ${supported} ${invented}`))).status).toBe('flagged');
    const lenient = new GroundednessDetector({ minSupport: 0.5, maxUnsupported: 0.34, minContentWords: 3 });
    expect((await lenient.detect(review(`${supported} ${supported} ${invented}`))).status).toBe('clear');
  });

  it('measures support as the share of a sentence\'s content words found in the context', async () => {
    const index = await indexContext(CONTEXT, undefined);
    // cathedral, paint, purple, monk: 1 of 4 words in the context (and 632 is no figure of it)
    expect(detector.compare('The cathedral was painted purple by monks.', index)).toEqual({ checkedSentences: 1, unsupportedSentences: 1, unsupportedShare: 1, firstReason: 'words not in context' });
  });

  it('flags a changed figure, a name the context does not have, and a short answer made of other words', async () => {
    expect(await detector.detect(review('Cologne Cathedral took more than 632 years to finish.'))).toMatchObject({ status: 'flagged', reason: 'changed number' });
    expect(await detector.detect(review('The Rhine flows through seven countries.'))).toMatchObject({ status: 'flagged', reason: 'changed number' });
    expect(await detector.detect(review('The Rhine reaches the North Sea in Belgium.'))).toMatchObject({ status: 'flagged', reason: 'unknown name' });
    expect(await detector.detect(review('The Danube.'))).toMatchObject({ status: 'flagged', reason: 'unknown name' });
    expect(await detector.detect(review('In the Black Forest.'))).toMatchObject({ status: 'flagged' });
    expect(await detector.detect(review('Six countries.'))).toMatchObject({ status: 'clear' });
    expect(await detector.detect(review('The Swiss Alps'))).toMatchObject({ status: 'clear' });
  });

  it('reads a short answer\'s words in the question too', async () => {
    expect(await detector.detect(review('Bonn', CONTEXT))).toMatchObject({ status: 'flagged' });
    expect(await detector.detect(review('Bonn', CONTEXT, 'Is the Rhine in Bonn or Cologne?'))).toMatchObject({ status: 'clear' });
  });

  it('flags a context sentence turned around by a negation', async () => {
    expect(await detector.detect(review('The Rhine does not flow through six countries.'))).toMatchObject({ status: 'flagged', reason: 'negation differs' });
    expect(await detector.detect(review('The Rhine flows through six countries.'))).toMatchObject({ status: 'clear' });
  });

  it('flags names the context never mentions together', async () => {
    const context = ['Paris is the capital of France. It lies on the Seine.', 'Madrid is the capital of Spain. Spain joined the European Union in 1986.', 'Oslo is in Norway.'];
    expect(await detector.detect(review('The capital of France is Oslo.', context))).toMatchObject({ status: 'flagged', reason: 'names not together' });
    expect(await detector.detect(review('Paris, on the Seine, is the capital of France.', context))).toMatchObject({ status: 'clear' });
  });

  it('accepts a number that is the difference of two context numbers, but not a changed one or one from a tiny operand', async () => {
    const context = ['The tower was completed in 1889. It was the tallest structure until 1930.', 'The agency was created in 1958, and Apollo 11 landed in 1969.'];
    expect((await detector.detect(review('41 years', context))).status).toBe('clear');
    expect((await detector.detect(review('It was the tallest for 41 years.', context))).status).toBe('clear');
    expect((await detector.detect(review('51 years', context))).status).toBe('flagged');
    // 1958 - 11 = 1947 (11 from "Apollo 11") is a changed date, not a computation: operands over 100 times apart are not paired
    expect((await detector.detect(review('The agency was created in 1947.', context))).reason).toBe('changed number');
  });

  it('reads reformatted numbers, units and spellings as the same claim', async () => {
    const context = ['The Danube flows for 2,850 kilometres and its basin is home to 83 million people.'];
    expect((await detector.detect(review('About 2850 km.', context))).status).toBe('clear');
    expect((await detector.detect(review('The Danube flows for 2,850 kilometers.', context))).status).toBe('clear');
    expect((await detector.detect(review('Its basin is home to 83,000,000 people.', context))).status).toBe('clear');
    expect((await detector.detect(review('About 3850 km.', context))).status).toBe('flagged');
    expect(sentenceClaims('forty-one years, 6.4 thousand').terms).toEqual(new Set(['41', 'year', '6400']));
  });

  it('reads an acronym as the capitalised words it abbreviates, and not any capitals', async () => {
    const context = ['The National Aeronautics and Space Administration was created in 1958.'];
    expect((await detector.detect(review('NASA was founded in 1958.', context))).status).toBe('clear');
    expect((await detector.detect(review('The agency NSF was founded in 1958.', context))).status).toBe('flagged');
  });

  it('lets one unit word ride on a found number in a short answer, but not a wrong number', async () => {
    const context = ['The journal ran from 1921 to 1934.'];
    expect((await detector.detect(review('13 years', context))).status).toBe('clear');
    expect((await detector.detect(review('23 years', context))).status).toBe('flagged');
    expect((await detector.detect(review('Boston poets', context))).status).toBe('flagged');
  });

  it('keeps "failed to" out of the negations (tried: it cost a blind short answer and caught nothing there)', () => {
    expect(sentenceClaims('The probe failed to reach orbit.').isNegated).toBe(false);
    expect(sentenceClaims('The probe did not reach orbit.').isNegated).toBe(true);
  });

  it('does not check without context, with empty context, or with only filler sentences', async () => {
    expect(await detector.detect(review('Anything at all here.', null))).toEqual({ status: 'not_checked', reason: 'no context', version });
    expect(await detector.detect(review('Anything at all here.', []))).toEqual({ status: 'not_checked', reason: 'no context', version });
    expect(await detector.detect(review('Anything at all here.', ['', 'the of a']))).toEqual({ status: 'not_checked', reason: 'empty context', version });
    expect(await detector.detect(review('Sure! Here it is: yes.'))).toEqual({ status: 'not_checked', reason: 'no checkable sentence', version });
  });
});

describe('text units', () => {
  it('splits sentences at terminal punctuation and line breaks', () => {
    expect(splitSentences('One two three. Four five six!\nSeven? "Eight." Nine')).toEqual(['One two three.', 'Four five six!', 'Seven?', '"Eight."', 'Nine']);
  });

  it('keeps content words and numbers, stemmed, without stop words', () => {
    expect([...contentWords('The models were batched in 2 batches, and batching helps.')].sort()).toEqual(['2', 'batch', 'help', 'model']);
    expect(stem('serving')).toBe(stem('served'));
  });

  it('reads a sentence\'s claims: number words as digits, names, polarity', () => {
    const claims = sentenceClaims("Marie Curie didn't win two prizes in 1,911 days in Paris.");
    expect([...claims.terms].sort()).toEqual(['1911', '2', ...['curie', 'day', 'marie', 'paris', 'prize', 'win'].map(stem)].sort());
    expect([...claims.entities].sort()).toEqual(['1911', '2', stem('curie'), stem('paris')].sort());
    expect(claims.isNegated).toBe(true);
  });
});
