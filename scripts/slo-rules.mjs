#!/usr/bin/env node
// Generates the SLO rules (infra/prometheus/rules/slo.yml), their Kubernetes PrometheusRule copy
// and the Grafana dashboard "SLOs" from infra/slo/slos.yaml, so that none of them drifts from the
// SLO definitions (infra/lib/slo-rules.mjs says how).
//   node scripts/slo-rules.mjs          write the files
//   node scripts/slo-rules.mjs --check  exit 1 when a committed file is out of date
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { sloOutputs } from '../infra/lib/slo-rules.mjs';

const outputs = sloOutputs();
if (process.argv.includes('--check')) {
  const stale = outputs.filter(({ path, text }) => {
    try {
      return readFileSync(path, 'utf8') !== text;
    } catch {
      return true;
    }
  });
  if (stale.length > 0) {
    process.stderr.write(`out of date with infra/slo/slos.yaml: ${stale.map(({ path }) => relative(process.cwd(), path)).join(', ')}; run \`node scripts/slo-rules.mjs\`\n`);
    process.exit(1);
  }
  process.stdout.write('SLO rules, PrometheusRule and dashboard are up to date\n');
} else {
  for (const { path, text } of outputs) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    process.stdout.write(`wrote ${relative(process.cwd(), path)}\n`);
  }
}
