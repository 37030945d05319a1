#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof): self time by package and by function.
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [top=30] [--from-s S] [--requests N]
//   --from-s S    leaves out the first S seconds of the profile (the process's boot: module loading)
//   --requests N  also prints self time per request (N: the requests the process served, warm-up included),
//                 the unit to compare two processes' profiles with (the gateway's and the bare pipe's)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: options, positionals } = parseArgs({ allowPositionals: true, options: { 'from-s': { type: 'string' }, requests: { type: 'string' } } });
const [file, topArg] = positionals;
const top = Number(topArg ?? 30);
const fromMicros = Number(options['from-s'] ?? 0) * 1e6;
const requests = options.requests === undefined ? undefined : Number(options.requests);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMicros = new Map();
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  if (at - profile.startTime < fromMicros) continue;
  const id = profile.samples[i];
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const totalMicros = [...selfMicros.values()].reduce((a, b) => a + b, 0);

function packageOf(frame) {
  const url = frame.url;
  // native code by name: `writev` (socket writes) and `writeUtf8String` tell more than "(native)"
  if (!url) return `(native) ${frame.functionName}`;
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
  const pkg = frame.functionName === '(garbage collector)' ? '(gc)' : frame.functionName === '(idle)' ? '(idle)' : frame.functionName === '(program)' ? '(program)' : packageOf(frame);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
}
const busy = totalMicros - (byPackage.get('(idle)') ?? 0);
const perRequest = (micros) => (requests ? `  ${(micros / requests).toFixed(1).padStart(7)} µs/req` : '');
const show = (map, title) => {
  console.log(`\n${title} (share of busy time, ${(busy / 1000).toFixed(0)} ms busy of ${(totalMicros / 1000).toFixed(0)} ms${requests ? `, ${((busy / requests) / 1000).toFixed(3)} ms per request` : ''})`);
  for (const [key, micros] of [...map].filter(([k]) => k !== '(idle)' && k !== '(native) (idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((micros / busy) * 100).toFixed(1).padStart(5)}%${perRequest(micros)}  ${key}`);
  }
};
show(byPackage, 'by package');
show(byFunction, 'by function');
