import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { splitSentences } from './text-units.js';

/** The regex splitter this scanner replaced (quadratic on runs of closers), kept as the reference. */
function referenceSplitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?。！？]["')\]]*)\s+|\n+/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function labelledTexts(file: string): string[] {
  return readFileSync(new URL(`../../test/data/${file}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => (JSON.parse(line) as { text: string }).text);
}

const SIMULATOR_STYLE = [
  'The Rhine flows through six countries. It rises in the Swiss Alps and reaches the North Sea in the Netherlands.',
  'He said "stop." Then he left.\n\nA new paragraph (with brackets.) follows!  Really?! Yes...  ok',
  '文は句点で終わる。次の文！最後？ 英語も. Mixed.\r\nWindows line\u2028separator\u3000ideographic space.',
  "Quotes 'inside.' and [brackets.] and (nested \"quotes.\")\tthen tab.",
  '',
  '   \n\n  ',
  ')))) . ))) ! \n',
];

describe('splitSentences', () => {
  it('gives the same sentences as the regex it replaced on every labelled example and hand-made edge case', () => {
    const corpus = [...labelledTexts('refusals.jsonl'), ...labelledTexts('refusals-holdout.jsonl'), ...SIMULATOR_STYLE];
    expect(corpus.length).toBe(333 + 70 + SIMULATOR_STYLE.length);
    for (const text of corpus) expect(splitSentences(text)).toEqual(referenceSplitSentences(text));
    // and on all of them at once, as one long output with its line breaks
    const joined = corpus.join('\n');
    expect(splitSentences(joined)).toEqual(referenceSplitSentences(joined));
    expect(splitSentences(joined).length).toBeGreaterThan(403);
  });

  it('gives the same sentences as the regex it replaced on generated text full of terminators, closers and whitespace', () => {
    const pieces = fc.constantFrom('word', 'Ab', '.', '!', '?', '。', '！', '？', '"', "'", ')', ']', '(', ' ', '  ', '\n', '\n\n', '\r', '\t', '\u3000', '\u00a0', '😀', 'x.y');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        expect(splitSentences(text)).toEqual(referenceSplitSentences(text));
      }),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('splits after closing quotes and brackets that follow a terminator, and at line breaks', () => {
    expect(splitSentences('He said "stop." Then (he left.) Done! Next\nline')).toEqual(['He said "stop."', 'Then (he left.)', 'Done!', 'Next', 'line']);
    expect(splitSentences('a.b c')).toEqual(['a.b c']);
  });

  // the regex took 2.4 s on this once the text held any character beyond Latin-1 (V8 then runs the lookbehind at every position)
  it('keeps a 32,768-character run of closing brackets as one sentence', () => {
    const brackets = ')'.repeat(32_768);
    expect(splitSentences(`😀 ${brackets} end.`)).toEqual([`😀 ${brackets} end.`]);
    expect(splitSentences(`😀 Stop.${brackets} Go.`)).toEqual([`😀 Stop.${brackets}`, 'Go.']);
  });
});
