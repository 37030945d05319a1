import { fileURLToPath } from 'node:url';
import { redosReport } from '@tokenscope/testing';

// Every regex of the agent's sources, nvidia-smi's output parser included, found by parsing the sources.
describe('regexes of the GPU agent', () => {
  it('have no catastrophic backtracking (recheck)', async () => {
    const report = await redosReport(fileURLToPath(new URL('../src', import.meta.url)), {});
    expect(report.problems).toEqual([]);
    expect(report.checked).toBeGreaterThanOrEqual(8);
  }, 120_000);
});
