import { readFileSync } from 'node:fs';
import { RefusalDetector } from '../src/detectors/refusal-detector.js';

interface Labelled {
  text: string;
  isRefusal: boolean;
}

function load(name: string): Labelled[] {
  const text = readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Labelled);
}

function score(rows: Labelled[]) {
  const detector = new RefusalDetector();
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (const row of rows) {
    const isFlagged = detector.classify(row.text).isRefusal;
    if (isFlagged && row.isRefusal) truePositives++;
    else if (isFlagged) falsePositives++;
    else if (row.isRefusal) falseNegatives++;
  }
  return { precision: truePositives / (truePositives + falsePositives), recall: truePositives / (truePositives + falseNegatives) };
}

// The published figures (docs/quality.md, "Refusal detection"): lower either and this fails.
describe('refusal detector on the labelled sets', () => {
  it('the development set (333 examples the patterns were written against): precision and recall at least 1.00', () => {
    const rows = load('refusals.jsonl');
    expect(rows.length).toBeGreaterThanOrEqual(200);
    expect(rows.filter((r) => r.isRefusal).length).toBe(169);
    const { precision, recall } = score(rows);
    expect(precision).toBeGreaterThanOrEqual(1);
    expect(recall).toBeGreaterThanOrEqual(1);
  });

  it('the held-out set (70 examples never tuned on): precision at least 0.896, recall at least 0.742', () => {
    const rows = load('refusals-holdout.jsonl');
    expect(rows.length).toBe(70);
    const { precision, recall } = score(rows);
    expect(precision).toBeGreaterThanOrEqual(0.896);
    expect(recall).toBeGreaterThanOrEqual(0.742);
  });
});
