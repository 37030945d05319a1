#!/usr/bin/env node
// Writes docs/configuration.md from the apps' config schemas (every variable, its default, its
// description, whether it is secret), so the reference cannot drift from the code.
//   node scripts/config-reference.mjs          write docs/configuration.md
//   node scripts/config-reference.mjs --check  exit 1 when docs/configuration.md is out of date
// Needs the build (npm run build).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { describeConfig } = await import(pathToFileURL(join(root, 'libs/config/dist/index.js')).href);
const apps = [
  ['gateway', 'apps/gateway/dist/config/gateway.config.js', 'gatewayConfigSchema'],
  ['quality', 'apps/quality/dist/config/quality.config.js', 'qualityConfigSchema'],
  ['gpu-agent', 'apps/gpu-agent/dist/config/gpu-agent.config.js', 'gpuAgentConfigSchema'],
];

const escape = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
let out = `# Configuration reference

Generated from the config schemas by \`node scripts/config-reference.mjs\` (a test fails when this
file is out of date). Every app validates its environment at boot and stops with a message naming
each bad variable (never its value). Empty values count as unset. The standard \`OTEL_*\`
variables (\`OTEL_EXPORTER_OTLP_ENDPOINT\`, \`OTEL_SERVICE_NAME\`, \`OTEL_SDK_DISABLED\`,
\`OTEL_TRACES_SAMPLER\`, \`OTEL_BSP_*\`…) are read by the OpenTelemetry SDK itself; those the gateway
also reads or validates are in its table (see docs/metrics.md, *OpenTelemetry*).
`;
for (const [name, file, exportName] of apps) {
  const module = await import(pathToFileURL(join(root, file)).href);
  const rows = describeConfig(module[exportName]);
  out += `\n## ${name}\n\n| variable | default | secret | what it does |\n| --- | --- | --- | --- |\n`;
  for (const row of rows) {
    out += `| \`${row.key}\` | ${row.defaultValue === undefined ? '–' : `\`${escape(row.defaultValue)}\``} | ${row.isSecret ? 'yes' : ''} | ${escape(row.description)} |\n`;
  }
}
const target = join(root, 'docs/configuration.md');
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== out) {
    process.stderr.write('docs/configuration.md is out of date: run `node scripts/config-reference.mjs`\n');
    process.exit(1);
  }
  process.stdout.write('docs/configuration.md is up to date\n');
} else {
  writeFileSync(target, out);
  process.stdout.write(`wrote ${target}\n`);
}
