// Measures the quality detectors on the labelled sets in ./data, per split (npm run eval:quality).
// Reads the built service (apps/quality/dist): the npm script builds it first.
// Usage: node apps/quality/eval/evaluate.mjs [--misses tuning|tuning-2]   (held-out and blind misses are never listed: never tune on them)
import { readFileSync } from 'node:fs';
import { RefusalDetector } from '../dist/detectors/refusal-detector.js';
import { GroundednessDetector } from '../dist/detectors/groundedness-detector.js';
import { measureDetector, splitOf } from '../dist/evaluation/detector-accuracy.js';

const load = (name) =>
  readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line));

const refusalRow = (split) => (row) => ({
  id: row.id,
  split: split ?? splitOf(row.id),
  generation: { requestId: row.id, model: 'eval', output: row.text, context: null },
  shouldFlag: row.isRefusal,
});
// refusals-tuning-2.jsonl was written for refusal-rules@4 to tune on: all of it is tuning, whatever its ids hash to;
// the *-blind sets were written by someone who never saw the rules: all of them held out, printed as `blind`
const refusals = [
  ...load('refusals.jsonl').map(refusalRow()),
  ...load('refusals-tuning-2.jsonl').map(refusalRow('tuning-2')),
  ...load('refusals-blind.jsonl').map(refusalRow('blind')),
];
const groundednessRow = (split) => (row) => ({
  id: row.id,
  split: split ?? splitOf(row.group),
  generation: { requestId: row.id, model: 'eval', output: row.output, context: row.context, prompt: row.question },
  shouldFlag: row.isUngrounded,
});
// groundedness-tuning-2.jsonl was written for groundedness-lexical@3 to tune on: all of it is tuning, whatever its groups hash to
const groundedness = [
  ...load('groundedness.jsonl').map(groundednessRow()),
  ...load('groundedness-tuning-2.jsonl').map(groundednessRow('tuning-2')),
  ...load('groundedness-blind.jsonl').map(groundednessRow('blind')),
];

const showMisses = process.argv.includes('--misses') ? process.argv[process.argv.indexOf('--misses') + 1] : undefined;
const f = (x) => x.toFixed(3);
console.log('detector                 split    n    precision recall  f1     accuracy not_checked');
for (const [detector, rows] of [
  [new RefusalDetector(), refusals],
  [new GroundednessDetector(), groundedness],
]) {
  for (const split of ['tuning', 'tuning-2', 'heldout', 'blind']) {
    const splitRows = rows.filter((row) => row.split === split);
    if (splitRows.length === 0) continue;
    const r = await measureDetector(detector, splitRows);
    console.log(
      `${detector.version.padEnd(24)} ${split.padEnd(8)} ${String(r.examples).padEnd(4)} ${f(r.precision)}     ${f(r.recall)}   ${f(r.f1)}  ${f(r.accuracy)}    ${f(r.notCheckedShare)} (${r.notChecked})`,
    );
    if (showMisses === split && split.startsWith('tuning')) for (const id of r.misses) console.log('   miss', id, JSON.stringify(rows.find((row) => row.id === id).generation.output).slice(0, 160));
  }
}
