import { fileURLToPath } from 'node:url';
import { redosReport } from '@tokenscope/testing';
import { CL100K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';

// Every regex of the gateway's sources (request parsing, the simulator, token counting, config) is
// found by parsing the sources, so a new one is checked without being listed here.
describe('regexes of the gateway', () => {
  it('have no catastrophic backtracking (recheck)', async () => {
    const report = await redosReport(fileURLToPath(new URL('../src', import.meta.url)), {
      // the tokenizer's pre-tokenizer, run over every prompt, message and output counted
      'tokens/tokenizer.ts': [CL100K_TOKEN_SPLIT_REGEX],
    });
    expect(report.problems).toEqual([]);
    expect(report.checked).toBeGreaterThanOrEqual(8);
  }, 120_000);
});
