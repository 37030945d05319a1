// Writes generated files, or with --check fails when a committed copy differs from what its
// generator produces now: the one behaviour behind every `scripts/*.mjs --check` step of npm test.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';

/**
 * outputs: [{ path, text }]; source: what they are generated from; command: how to regenerate;
 * what: a name for the success message. Exits 1 on a stale file in --check mode.
 */
export function writeOrCheck(outputs, { argv = process.argv, source, command, what }) {
  if (argv.includes('--check')) {
    const stale = outputs.filter(({ path, text }) => {
      try {
        return readFileSync(path, 'utf8') !== text;
      } catch {
        return true;
      }
    });
    if (stale.length > 0) {
      process.stderr.write(`out of date with ${source}: ${stale.map(({ path }) => relative(process.cwd(), path)).join(', ')}; run \`${command}\`\n`);
      process.exit(1);
    }
    process.stdout.write(`${what} up to date\n`);
    return;
  }
  for (const { path, text } of outputs) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    process.stdout.write(`wrote ${relative(process.cwd(), path)}\n`);
  }
}
