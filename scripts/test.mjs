#!/usr/bin/env node
// `npm test`: build and type-check every project, check the project boundaries, then run every
// jest project once (unit, integration and end-to-end tests, including the infra checks).
// Stops at the first failing step and exits non-zero.
import { spawnSync } from 'node:child_process';

// in band: the end-to-end tests start real processes (Redis, Prometheus, the apps) and would
// fight for this machine's two cores if several ran at once; it is barely slower here
// --forceExit: once every test has finished, a handle some library left open (seen once: the
// run completed, then jest waited for minutes) must not hang CI; `--detectOpenHandles` hunts them
const jest = ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js', '--runInBand', '--forceExit'];
const HOLD_TESTS = 'event-loop-hold\\.e2e-spec';
const chosen = process.argv.slice(2);

const steps = [
  ['build and typecheck', 'nx', ['run-many', '-t', 'build', 'typecheck', '--outputStyle=static']],
  ['project boundaries', 'node', ['scripts/check-boundaries.mjs']],
  ['configuration reference is current', 'node', ['scripts/config-reference.mjs', '--check']],
  ['SLO rules, PrometheusRule and dashboard are current', 'node', ['scripts/slo-rules.mjs', '--check']],
  ['Kubernetes PrometheusRules and dashboard ConfigMaps are current', 'node', ['scripts/kubernetes-manifests.mjs', '--check']],
];
if (chosen.length > 0) steps.push(['tests', 'node', [...jest, ...chosen]]);
else {
  steps.push(['tests', 'node', [...jest, '--testPathIgnorePatterns', HOLD_TESTS]]);
  // the event-loop-hold tests measure the CPU time a request holds the loop of this process. At the
  // end of the long in-band run above, a major GC of the heap the earlier suites left behind can
  // land inside any 1 MiB request (the likely cause of CI's 88 ms, three times running, for a body
  // the gateway refuses in 9-15 ms on its own), so they run in a fresh process of their own
  steps.push(['event-loop-hold tests', 'node', [...jest, '--testPathPatterns', HOLD_TESTS]]);
}

for (const [name, command, args] of steps) {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`\n✖ ${name} failed after ${seconds}s`);
    process.exit(result.status ?? 1);
  }
  console.log(`✔ ${name} (${seconds}s)`);
}
