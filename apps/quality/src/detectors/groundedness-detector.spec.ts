import { GroundednessDetector } from './groundedness-detector.js';
import { contentWords, splitSentences, stem } from './text-units.js';

const CONTEXT = [
  'The Rhine flows through six countries. It rises in the Swiss Alps and reaches the North Sea in the Netherlands.',
  'Cologne Cathedral stands on the bank of the Rhine and took more than six hundred years to finish.',
];
const review = (output: string, context: string[] | null = CONTEXT) => ({ requestId: 'r1', model: 'sim-fast', output, context });

describe(GroundednessDetector.name, () => {
  const detector = new GroundednessDetector({ minSupport: 0.5, maxUnsupported: 0.3, minContentWords: 3 });

  it('passes an answer made of context sentences, even one cut mid-sentence', async () => {
    const verdict = await detector.detect(review('The Rhine flows through six countries. Cologne Cathedral stands on the bank of the'));
    expect(verdict).toEqual({ status: 'clear', score: 0, reason: 'supported by context' });
  });

  it('flags an answer whose sentences are not in the context', async () => {
    const verdict = await detector.detect(review('Decode is limited by memory bandwidth. Continuous batching lets new requests join a running batch.'));
    expect(verdict).toEqual({ status: 'flagged', score: 1, reason: 'unsupported sentences' });
  });

  it('flags when more than the allowed share of sentences is unsupported, and not at it', async () => {
    const supported = 'The Rhine flows through six countries.';
    const invented = 'Its water is famously purple during winter festivals.';
    // 1 of 3 unsupported = 0.33 > 0.3
    expect((await detector.detect(review(`${supported} ${supported} ${invented}`))).status).toBe('flagged');
    const lenient = new GroundednessDetector({ minSupport: 0.5, maxUnsupported: 0.34, minContentWords: 3 });
    expect((await lenient.detect(review(`${supported} ${supported} ${invented}`))).status).toBe('clear');
  });

  it('measures support as the share of a sentence\'s content words found in the context', () => {
    const vocabulary = contentWords(CONTEXT.join(' '));
    // cathedral, paint, purple, 632, monk: 1 of 5 in the context
    expect(detector.compare('The cathedral was painted purple by 632 monks.', vocabulary)).toEqual({ checkedSentences: 1, unsupportedSentences: 1, unsupportedShare: 1 });
    // a lexical check's limit: one changed figure leaves 3 of 4 words supported (a judge detector catches it)
    expect(detector.compare('The cathedral took 632 years.', vocabulary)).toEqual({ checkedSentences: 1, unsupportedSentences: 0, unsupportedShare: 0 });
  });

  it('does not check without context, with empty context, or with only filler sentences', async () => {
    expect(await detector.detect(review('Anything at all here.', null))).toEqual({ status: 'not_checked', reason: 'no context' });
    expect(await detector.detect(review('Anything at all here.', []))).toEqual({ status: 'not_checked', reason: 'no context' });
    expect(await detector.detect(review('Anything at all here.', ['', 'the of a']))).toEqual({ status: 'not_checked', reason: 'empty context' });
    expect(await detector.detect(review('Sure! Here it is:'))).toEqual({ status: 'not_checked', reason: 'no checkable sentence' });
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
});
