import { boundEventContext, boundEventOutput, boundEventQuestion, cutToBytes } from './event-text.js';
import { EVENT_CONTEXT_LIMIT_BYTES, EVENT_OUTPUT_LIMIT_BYTES, EVENT_QUESTION_LIMIT_BYTES } from './generation-events.queue.js';

const bytesOf = (texts: readonly string[]) => texts.reduce((sum, text) => sum + Buffer.byteLength(text, 'utf8'), 0);

describe('event text bounds', () => {
  it('cuts text to a number of UTF-8 bytes without splitting a character', () => {
    expect(cutToBytes('héllo', 2)).toBe('h'); // é is two bytes: not cut in half
    expect(cutToBytes('héllo', 3)).toBe('hé');
    expect(cutToBytes('a😀b', 4)).toBe('a');
    expect(cutToBytes('a😀b', 5)).toBe('a😀');
    expect(cutToBytes('short', 100)).toBe('short');
  });

  it('caps the output at EVENT_OUTPUT_LIMIT_BYTES', () => {
    const output = 'ü'.repeat(EVENT_OUTPUT_LIMIT_BYTES);
    const bounded = boundEventOutput(output);
    expect(Buffer.byteLength(bounded, 'utf8')).toBe(EVENT_OUTPUT_LIMIT_BYTES);
    expect(boundEventOutput('fits')).toBe('fits');
  });

  it('keeps the end of a question over EVENT_QUESTION_LIMIT_BYTES, where a long message asks what it asks, without splitting a character', () => {
    const question = `${'pasted material '.repeat(1000)}Into which sea does the Danube flow?`;
    const bounded = boundEventQuestion(question);
    expect(Buffer.byteLength(bounded, 'utf8')).toBe(EVENT_QUESTION_LIMIT_BYTES);
    expect(bounded.endsWith('Into which sea does the Danube flow?')).toBe(true);
    expect(boundEventQuestion('aé', 2)).toBe('é'); // the cut would fall inside é: its first byte is kept out, not half of it
    expect(boundEventQuestion('a😀b', 3)).toBe('b');
    expect(boundEventQuestion('fits')).toBe('fits');
  });

  it('keeps a context that fits verbatim', () => {
    expect(boundEventContext(['Paris is the capital of France.', 'It has 2.1 million people.'])).toEqual({
      context: ['Paris is the capital of France.', 'It has 2.1 million people.'],
      isReduced: false,
    });
  });

  it('reduces a context over the limit to its distinct words, which fit in far fewer bytes', () => {
    const document = 'The prefill phase reads the whole prompt at once, and the decode phase produces one token at a time. '.repeat(2000);
    const { context, isReduced } = boundEventContext([document, document]);
    expect(isReduced).toBe(true);
    expect(context[0]).toBe('The prefill phase reads the whole prompt at once, and decode produces one token a time.');
    expect(context[1]).toBe(context[0]);
  });

  it('cuts what the reduction leaves over the limit, the later documents first', () => {
    // distinct words only: ~49 KB per document, nothing to reduce
    const words = (from: number) => Array.from({ length: 8000 }, (_, i) => `w${from + i}`).join(' ');
    const { context, isReduced } = boundEventContext([words(10_000), words(20_000), words(30_000)]);
    expect(isReduced).toBe(true);
    expect(bytesOf(context)).toBeLessThanOrEqual(EVENT_CONTEXT_LIMIT_BYTES);
    expect(bytesOf(context)).toBeGreaterThan(EVENT_CONTEXT_LIMIT_BYTES - 10);
    expect(context[0] === words(10_000)).toBe(true);
    expect(words(20_000).startsWith(context[1]!) && context[1]!.length < words(20_000).length).toBe(true);
    expect(context[2]).toBe('');
  });

  it('bounds a maximum-size request context (1 MiB of text without spaces) to the limit', () => {
    const { context } = boundEventContext(Array.from({ length: 32 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(32_768)));
    expect(bytesOf(context)).toBe(EVENT_CONTEXT_LIMIT_BYTES);
    expect(context).toHaveLength(32);
  });
});
