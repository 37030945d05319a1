import { readFileSync } from 'node:fs';
import { GroundednessDetector } from '../src/detectors/groundedness-detector.js';
import { RefusalDetector } from '../src/detectors/refusal-detector.js';
import { measureDetector, splitOf, type LabelledGeneration } from '../src/evaluation/detector-accuracy.js';

// The labelled sets of apps/quality/eval (README there: who wrote and labelled them). The figures
// below are the measured held-out ones published in the README (`npm run eval:quality`): lower
// any and this fails. The tuning figures are not asserted: rules were written against them.
function load(name: string): Array<Record<string, unknown>> {
  return readFileSync(new URL(`../eval/data/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const refusals = load('refusals.jsonl').map((row) => ({
  split: splitOf(row.id as string),
  id: row.id as string,
  generation: { requestId: row.id as string, model: 'eval', output: row.text as string, context: null },
  shouldFlag: row.isRefusal as boolean,
}));
const groundedness = load('groundedness.jsonl').map((row) => ({
  split: splitOf(row.group as string),
  id: row.id as string,
  generation: { requestId: row.id as string, model: 'eval', output: row.output as string, context: row.context as string[], prompt: row.question as string },
  shouldFlag: row.isUngrounded as boolean,
}));
// written by someone who never read the detectors (eval/README.md): all held out
const blindRefusals = load('refusals-blind.jsonl').map((row) => ({
  id: row.id as string,
  generation: { requestId: row.id as string, model: 'eval', output: row.text as string, context: null },
  shouldFlag: row.isRefusal as boolean,
}));
const blindGroundedness = load('groundedness-blind.jsonl').map((row) => ({
  id: row.id as string,
  generation: { requestId: row.id as string, model: 'eval', output: row.output as string, context: row.context as string[], prompt: row.question as string },
  shouldFlag: row.isUngrounded as boolean,
}));
const heldOut = (rows: Array<LabelledGeneration & { split: string }>) => rows.filter((row) => row.split === 'heldout');

describe('detectors on the held-out evaluation sets (never tuned on)', () => {
  it('the split is the one fixed before the rules: 76 refusal examples and 52 groundedness examples held out', () => {
    expect(heldOut(refusals)).toHaveLength(76);
    expect(heldOut(groundedness)).toHaveLength(52);
  });

  it('refusal-rules@4: precision at least 1.000, recall at least 0.870 (27 of 31; F1 0.931)', async () => {
    const figures = await measureDetector(new RefusalDetector(), heldOut(refusals));
    expect(figures.precision).toBeGreaterThanOrEqual(1);
    expect(figures.recall).toBeGreaterThanOrEqual(0.87);
  });

  it('groundedness-lexical@3: precision at least 1.000, recall at least 0.843 (27 of 32), accuracy at least 0.903, nothing left unchecked', async () => {
    const figures = await measureDetector(new GroundednessDetector(), heldOut(groundedness));
    expect(figures.precision).toBeGreaterThanOrEqual(1);
    expect(figures.recall).toBeGreaterThanOrEqual(0.843);
    expect(figures.accuracy).toBeGreaterThanOrEqual(0.903);
    expect(figures.notChecked).toBe(0);
  });

  it('refusal-rules@4 on the blind set: 240 answers, precision at least 1.000, recall at least 0.892 (125 of 140; F1 0.943)', async () => {
    expect(blindRefusals).toHaveLength(240);
    const figures = await measureDetector(new RefusalDetector(), blindRefusals);
    expect(figures.precision).toBeGreaterThanOrEqual(1);
    expect(figures.recall).toBeGreaterThanOrEqual(0.892);
  });

  it('groundedness-lexical@3 on the blind set: 228 answers, accuracy at least 0.780, precision at least 0.842, recall at least 0.627, at most 6 left unchecked', async () => {
    expect(blindGroundedness).toHaveLength(228);
    const figures = await measureDetector(new GroundednessDetector(), blindGroundedness);
    expect(figures.accuracy).toBeGreaterThanOrEqual(0.78);
    expect(figures.precision).toBeGreaterThanOrEqual(0.842);
    expect(figures.recall).toBeGreaterThanOrEqual(0.627);
    expect(figures.notChecked).toBeLessThanOrEqual(6);
  });
});
