// Measures the quality detectors on the labelled sets in ./data, per split (npm run eval:quality).
// Reads the built service (apps/quality/dist): the npm script builds it first.
// Usage: node apps/quality/eval/evaluate.mjs [--misses tuning]   (never read the held-out misses to tune)
import { readFileSync } from 'node:fs';
import { RefusalDetector } from '../dist/detectors/refusal-detector.js';
import { GroundednessDetector } from '../dist/detectors/groundedness-detector.js';
import { measureDetector, splitOf } from '../dist/evaluation/detector-accuracy.js';

const load = (name) =>
  readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line));

const refusals = load('refusals.jsonl').map((row) => ({
  id: row.id,
  split: splitOf(row.id),
  generation: { requestId: row.id, model: 'eval', output: row.text, context: null },
  shouldFlag: row.isRefusal,
}));
const groundedness = load('groundedness.jsonl').map((row) => ({
  id: row.id,
  split: splitOf(row.group),
  generation: { requestId: row.id, model: 'eval', output: row.output, context: row.context, prompt: row.question },
  shouldFlag: row.isUngrounded,
}));

const showMisses = process.argv.includes('--misses') ? process.argv[process.argv.indexOf('--misses') + 1] : undefined;
const f = (x) => x.toFixed(3);
console.log('detector                 split    n    precision recall  f1     accuracy not_checked');
for (const [detector, rows] of [
  [new RefusalDetector(), refusals],
  [new GroundednessDetector(), groundedness],
]) {
  for (const split of ['tuning', 'heldout']) {
    const r = await measureDetector(detector, rows.filter((row) => row.split === split));
    console.log(
      `${detector.version.padEnd(24)} ${split.padEnd(8)} ${String(r.examples).padEnd(4)} ${f(r.precision)}     ${f(r.recall)}   ${f(r.f1)}  ${f(r.accuracy)}    ${f(r.notCheckedShare)} (${r.notChecked})`,
    );
    if (showMisses === split) for (const id of r.misses) console.log('   miss', id, JSON.stringify(rows.find((row) => row.id === id).generation.output).slice(0, 160));
  }
}
