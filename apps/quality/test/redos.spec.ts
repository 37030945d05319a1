import { fileURLToPath } from 'node:url';
import { redosReport } from '@tokenscope/testing';
import { prepare, REFUSAL_PATTERNS } from '../src/detectors/refusal-detector.js';

// recheck calls these polynomial because a bounded gap ({0,30}, {0,60}, {0,300}) is re-scanned from
// each candidate start; the refusal detector runs them only on prepare()'s output, cut to 8,000
// characters, so each costs at most gap × 8,000 steps (measured: under 1 ms per classify on
// recheck's own attack strings, docs/security.md).
const BOUNDED_BY_SCAN_CAP = 'bounded gap on text cut to 8,000 characters by prepare()';
const QUOTED_SPAN = String.raw`(^|[\s(\[:,])'(?=\S)[^\n]{0,300}?(?<=\S)'(?=[\s.,;:!?)\]]|$)`;

describe('regexes of the quality service', () => {
  it('cuts what the refusal rules scan to 8,000 characters, the bound the accepted patterns rely on', () => {
    expect(prepare('x'.repeat(100_000)).length).toBe(8000);
  });

  // Every regex of the quality service's sources (detectors, request validation, config) is found by
  // parsing the sources, so a regex added to a detector is checked without being listed here.
  it('have no catastrophic backtracking (recheck)', async () => {
    const rulePatterns = (name: string): string => REFUSAL_PATTERNS.get(name)![0]!.source;
    const report = await redosReport(
      fileURLToPath(new URL('../src', import.meta.url)),
      { 'detectors/refusal-detector.ts': [...REFUSAL_PATTERNS.values()].flat() },
      {
        [rulePatterns('apology-inability')]: BOUNDED_BY_SCAN_CAP,
        [rulePatterns('decline')]: BOUNDED_BY_SCAN_CAP,
        [rulePatterns('as-an-ai')]: BOUNDED_BY_SCAN_CAP,
        [QUOTED_SPAN]: BOUNDED_BY_SCAN_CAP,
      },
    );
    expect(report.problems).toEqual([]);
    expect(report.checked).toBeGreaterThan(40);
  }, 120_000);
});
