import fc from 'fast-check';
import { countTokens, encode } from 'gpt-tokenizer/encoding/cl100k_base';
import { CL100K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { SIMULATOR_CORPUS } from '../backends/simulator/corpus.js';
import { boundedSegments, loadTokenizer, MAX_PIECE_CHARS, type Tokenizer } from './tokenizer.js';

const ORDINARY = { disallowedSpecial: new Set<string>() };

/** The longest piece the BPE is handed when counting `text` segment by segment. */
function longestPiece(text: string): { longest: number; joined: string } {
  let longest = 0;
  let joined = '';
  for (const segment of boundedSegments(text)) {
    joined += segment;
    for (const [piece] of segment.matchAll(new RegExp(CL100K_TOKEN_SPLIT_REGEX.source, 'gu'))) longest = Math.max(longest, piece.length);
  }
  return { longest, joined };
}

function randomLetters(length: number, seed: number): string {
  let state = seed;
  const codes = new Uint16Array(length);
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    codes[i] = 97 + (state % 26);
  }
  return Buffer.from(codes.buffer).toString('utf16le');
}

// runs of one kind (letters of several scripts, digits, punctuation, emoji, whitespace) no longer than a real word
const naturalRun = fc.oneof(
  fc.stringMatching(/^[a-zA-Z]{1,14}$/),
  fc.stringMatching(/^[äöüßéèçñа-яА-Я]{1,10}$/),
  fc.stringMatching(/^[\u4e00-\u4e40]{1,6}$/),
  fc.stringMatching(/^[0-9]{1,9}$/),
  fc.stringMatching(/^[.,;:!?()"'\-[\]{}/*#]{1,4}$/),
  fc.constantFrom('😀', '🚀🚀', '👩‍💻', '’s', "'ll", '<|endoftext|>'),
  fc.stringMatching(/^[ \t\n\r]{1,6}$/),
  fc.constant(' '),
);
const naturalText = fc.array(naturalRun, { minLength: 3000, maxLength: 6000 }).map((runs) => runs.join(''));

describe('Tokenizer', () => {
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    tokenizer = await loadTokenizer();
  });

  it('counts and encodes natural text exactly as gpt-tokenizer does, across segment cuts', async () => {
    const prose = Array.from({ length: 8 }, () => SIMULATOR_CORPUS).join('\n\n');
    expect([...boundedSegments(prose)].length).toBeGreaterThan(3);
    expect(tokenizer.countNow(prose)).toBe(countTokens(prose));
    expect(await tokenizer.count(prose)).toBe(countTokens(prose));
    expect(tokenizer.encode(prose)).toEqual(encode(prose));
    await fc.assert(
      fc.asyncProperty(naturalText, async (text) => {
        expect(await tokenizer.count(text)).toBe(countTokens(text, ORDINARY));
        expect(tokenizer.encode(text)).toEqual(encode(text, ORDINARY));
      }),
      // no shrinking: a counterexample of 3,000 runs shrinks for minutes
      { numRuns: 25, seed: 12, endOnFailure: true },
    );
  });

  it('counts chat messages with OpenAI framing: 3 tokens per message and 3 for the reply', async () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Why watch TTFT?' },
    ];
    const content = messages.reduce((sum, m) => sum + countTokens(m.role) + countTokens(m.content), 0);
    expect(await tokenizer.countChat(messages)).toBe(3 + 2 * 3 + content);
  });

  it('treats special-token strings in caller text as text instead of throwing', async () => {
    expect(() => countTokens('a <|endoftext|> b')).toThrow(/Disallowed special token/);
    expect(await tokenizer.count('a <|endoftext|> b')).toBe(countTokens('a <|endoftext|> b', ORDINARY));
    expect(await tokenizer.count('a <|endoftext|> b')).toBe(8);
  });

  it('hands the BPE no piece longer than MAX_PIECE_CHARS, whatever the runs, and loses no text', () => {
    const surrogateRun = '😀'.repeat(100_000);
    const pathological = [
      'a'.repeat(1_000_000),
      randomLetters(1 << 20, 3),
      ')'.repeat(1 << 20),
      `x${' '.repeat(500_000)}x`,
      `)${'\n'.repeat(500_000)}`,
      '中'.repeat(300_000),
      surrogateRun,
      ` ${'ab'.repeat(100_000)} end. ${'-'.repeat(100_000)}`,
    ];
    for (const text of pathological) {
      const { longest, joined } = longestPiece(text);
      expect(longest).toBeLessThanOrEqual(MAX_PIECE_CHARS);
      expect(joined).toBe(text);
    }
    // a cut never splits an emoji's surrogate pair
    for (const segment of boundedSegments(surrogateRun)) expect(segment.length % 2).toBe(0);
  });

  it('counts a million-letter word as the exact count of its runs would (8 letters a token)', async () => {
    expect(countTokens('a'.repeat(4096))).toBe(512);
    expect(await tokenizer.count('a'.repeat(1_000_000))).toBe(125_000);
  });

  it('stays within 0.5% of the exact count on 20,000 random letters, whose pieces it cuts', async () => {
    const text = randomLetters(20_000, 9);
    const exact = countTokens(text);
    const bounded = await tokenizer.count(text);
    expect(Math.abs(bounded - exact) / exact).toBeLessThan(0.005);
    expect(bounded).not.toBe(0);
  });

  it('lets the event loop turn while it counts a 1 MiB body of random letters', async () => {
    let turns = 0;
    let isCounting = true;
    const spin = (): void => {
      turns++;
      if (isCounting) setImmediate(spin);
    };
    setImmediate(spin);
    const tokens = await tokenizer.count(randomLetters(1 << 20, 5));
    isCounting = false;
    expect(tokens).toBeGreaterThan(500_000);
    // the BPE takes about a second of CPU for this (bench/tokenizer.mjs), in slices of SLICE_MS
    expect(turns).toBeGreaterThan(10);
  });
});
