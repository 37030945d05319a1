#!/usr/bin/env node
// Token counting time against input length, gpt-tokenizer's own countTokens ("plain") beside the
// gateway's bounded counter, and how far the bounded count is from the plain one. Plain counting
// is quadratic in the length of a run (a word, a run of punctuation or whitespace), so it is
// skipped where it would take longer than --plain-limit-ms (estimated from the previous length).
//
//   npm run build && node bench/tokenizer.mjs [--lengths 10000,40000,80000,1048576] [--plain-limit-ms 5000]
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { loadTokenizer, MAX_PIECE_CHARS } from '../apps/gateway/dist/tokens/tokenizer.js';

const { values: args } = parseArgs({ options: { lengths: { type: 'string' }, 'plain-limit-ms': { type: 'string' } } });
const lengths = (args.lengths ?? '10000,40000,80000,1048576').split(',').map(Number);
const plainLimitMs = Number(args['plain-limit-ms'] ?? 5000);
const ordinary = { disallowedSpecial: new Set() };

let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const WORDS =
  'the gateway measures time to first token and time per output token for every request while the quality service judges refusals and groundedness against the given context'.split(' ');
const inputs = {
  'english words': (n) => { let s = ''; while (s.length < n) s += `${WORDS[Math.floor(random() * WORDS.length)]}${random() < 0.08 ? '. ' : ' '}`; return s.slice(0, n); },
  'one word (a…)': (n) => 'a'.repeat(n),
  'random letters': (n) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join(''),
  ')))': (n) => ')'.repeat(n),
  'spaces': (n) => `x${' '.repeat(n - 2)}x`,
  'CJK run': (n) => Array.from({ length: n }, () => String.fromCharCode(0x4e00 + Math.floor(random() * 2000))).join(''),
  'emoji run': (n) => '😀🚀'.repeat(Math.ceil(n / 4)).slice(0, n),
};

const tokenizer = await loadTokenizer();
console.log(`# ${new Date().toISOString().slice(0, 10)}, ${cpus().length} vCPU (${cpus()[0]?.model}), node ${process.version}, MAX_PIECE_CHARS ${MAX_PIECE_CHARS}`);
console.log('| input | chars | plain ms | plain tokens | bounded ms | bounded tokens | difference | longest event-loop hold while counting (ms) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [name, make] of Object.entries(inputs)) {
  let previous;
  for (const length of lengths) {
    const text = make(length);
    tokenizer.countNow(text.slice(0, 1000));
    const estimateMs = previous ? previous.ms * (length / previous.length) ** 2 : 0;
    let plain;
    if (estimateMs <= plainLimitMs) {
      const started = performance.now();
      const tokens = countTokens(text, ordinary);
      plain = { ms: performance.now() - started, tokens, length };
      previous = plain;
    }
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const started = performance.now();
    const tokens = await tokenizer.count(text);
    const ms = performance.now() - started;
    histogram.disable();
    const difference = plain ? `${plain.tokens === tokens ? '0' : (((tokens - plain.tokens) / plain.tokens) * 100).toFixed(2) + ' %'}` : '–';
    console.log(`| ${name} | ${length} | ${plain ? plain.ms.toFixed(1) : `skipped (~${Math.round(estimateMs / 1000)} s)`} | ${plain?.tokens ?? '–'} | ${ms.toFixed(1)} | ${tokens} | ${difference} | ${(histogram.max / 1e6).toFixed(1)} |`);
  }
}
