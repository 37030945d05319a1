#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof): self time by package and by function.
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [top=30]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMicros = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const totalMicros = [...selfMicros.values()].reduce((a, b) => a + b, 0);

function packageOf(url) {
  if (!url) return '(native)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.startsWith('node:')) return 'node:internal';
  const own = /\/(apps|libs)\/([^/]+)\//.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

const byPackage = new Map();
const byFunction = new Map();
for (const [id, micros] of selfMicros) {
  const node = byId.get(id);
  const frame = node.callFrame;
  const pkg = frame.functionName === '(garbage collector)' ? '(gc)' : frame.functionName === '(idle)' ? '(idle)' : frame.functionName === '(program)' ? '(program)' : packageOf(frame.url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
}
const busy = totalMicros - (byPackage.get('(idle)') ?? 0);
const show = (map, title) => {
  console.log(`\n${title} (share of busy time, ${(busy / 1000).toFixed(0)} ms busy of ${(totalMicros / 1000).toFixed(0)} ms)`);
  for (const [key, micros] of [...map].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((micros / busy) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
};
show(byPackage, 'by package');
show(byFunction, 'by function');
