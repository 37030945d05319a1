import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { redosReport, scanRegexes } from './redos.js';

const LIBS = fileURLToPath(new URL('../..', import.meta.url));

describe('regexes of the shared libraries', () => {
  // the libraries parse headers (authorization, content-type, request ids) and configuration
  it('have no catastrophic backtracking (recheck)', async () => {
    let checked = 0;
    for (const lib of readdirSync(LIBS).filter((name) => name !== 'testing')) {
      const report = await redosReport(`${LIBS}/${lib}/src`, {});
      expect(report.problems).toEqual([]);
      checked += report.checked;
    }
    expect(checked).toBeGreaterThan(8);
  }, 120_000);
});

describe(scanRegexes.name, () => {
  it('finds regex literals and literal RegExp calls, and lists computed ones by file, skipping spec files', () => {
    const scan = scanRegexes(fileURLToPath(new URL('../test/regex-scan', import.meta.url)));
    expect(scan.regexes.map(({ where, source, flags }) => `${where} /${source}/${flags}`)).toEqual([
      'detector.ts:1 /a+b/gu',
      'detector.ts:2 /^x{1,3}$/',
      'detector.ts:3 /(?<=\\.)\\s+/',
      'nested/more.ts:1 /c|d/i',
    ]);
    expect(scan.computed).toEqual([{ file: 'detector.ts', where: 'detector.ts:4' }]);
  });

  it('reports a computed RegExp nobody supplied, and a quadratic regex with recheck\'s attack', async () => {
    const report = await redosReport(fileURLToPath(new URL('../test/regex-scan', import.meta.url)), {});
    expect(report.problems).toEqual([
      'detector.ts:4: a computed RegExp; give its runtime value to the ReDoS test',
      expect.stringMatching(/^detector\.ts:1: \/a\+b\/gu is polynomial \(degree 2\), attack /),
    ]);
  }, 60_000);
});
