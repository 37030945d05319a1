import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { check } from 'recheck';
import ts from 'typescript';

/** A regex found in source, as written there. */
export interface SourceRegex {
  where: string;
  source: string;
  flags: string;
}

/** A `new RegExp(…)` whose pattern is computed: the scan cannot read it, the test must supply it. */
export interface ComputedRegexSite {
  file: string;
  where: string;
}

export interface RegexScan {
  regexes: SourceRegex[];
  computed: ComputedRegexSite[];
}

/**
 * Every regex of the TypeScript sources under `folder` (spec files excluded: they never see
 * caller or model text): regex literals, and `RegExp(…)`/`new RegExp(…)` with literal
 * arguments. A computed pattern (built from variables) is listed in `computed` by file, so a
 * test can require its runtime value instead of silently skipping it.
 */
export function scanRegexes(folder: string, root: string = folder): RegexScan {
  const scan: RegexScan = { regexes: [], computed: [] };
  for (const file of typeScriptFiles(folder)) {
    const name = relative(root, file);
    const text = readFileSync(file, 'utf8');
    const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node): string => `${name}:${sourceFile.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (ts.isRegularExpressionLiteral(node)) {
        const literal = node.text;
        const end = literal.lastIndexOf('/');
        scan.regexes.push({ where: where(node), source: literal.slice(1, end), flags: literal.slice(end + 1) });
      } else if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp') {
        const [pattern, flags] = node.arguments ?? [];
        const patternText = literalText(pattern);
        const flagsText = flags === undefined ? '' : literalText(flags);
        if (patternText !== undefined && flagsText !== undefined) {
          scan.regexes.push({ where: where(node), source: patternText, flags: flagsText });
        } else {
          scan.computed.push({ file: name, where: where(node) });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  return scan;
}

/** The value of a string literal, a template without substitutions, or String.raw`…` without them. */
function literalText(node: ts.Expression | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTaggedTemplateExpression(node) && node.tag.getText() === 'String.raw' && ts.isNoSubstitutionTemplateLiteral(node.template)) {
    return node.template.rawText;
  }
  return undefined;
}

function typeScriptFiles(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(folder)) {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) out.push(...typeScriptFiles(path));
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts') && !/(\.spec|-spec)\.ts$/.test(path)) out.push(path);
  }
  return out.sort();
}

export interface RedosVerdict extends SourceRegex {
  status: 'safe' | 'vulnerable' | 'unknown';
  /** recheck's complexity (`exponential`, `polynomial` with its degree) or error, for the failure message. */
  detail: string;
}

/** recheck's verdict on each regex (its native binary when installed, else its pure-JS backend); `unknown` is not safe. */
export async function redosVerdicts(regexes: readonly SourceRegex[]): Promise<RedosVerdict[]> {
  const verdicts: RedosVerdict[] = [];
  for (const regex of regexes) {
    const result = await check(regex.source, regex.flags, { timeout: 20_000 });
    const detail =
      result.status === 'vulnerable'
        ? `${result.complexity.type}${result.complexity.type === 'polynomial' ? ` (degree ${result.complexity.degree})` : ''}, attack ${JSON.stringify(result.attack.pattern)}`
        : result.status === 'unknown'
          ? `unknown: ${result.error.kind}`
          : result.complexity.type;
    verdicts.push({ ...regex, status: result.status, detail });
  }
  return verdicts;
}

export interface RedosReport {
  /** How many regexes were checked: literals found plus the runtime patterns given. */
  checked: number;
  /** One line per vulnerable or undecided regex, computed pattern not supplied, or supplied file without one. */
  problems: string[];
}

/**
 * Checks every regex of the sources under `folder` for catastrophic backtracking. `computed`
 * gives, per file (relative to `folder`), the runtime values of the patterns that file builds
 * from pieces; a file that builds one and is not listed is a problem, so no regex goes unchecked.
 */
export async function redosReport(
  folder: string,
  computed: Readonly<Record<string, readonly RegExp[]>>,
  /** Sources recheck calls polynomial that are accepted, each with the bound that makes it so; an unused one is a problem. */
  accepted: Readonly<Record<string, string>> = {},
): Promise<RedosReport> {
  const scan = scanRegexes(folder);
  const problems: string[] = [];
  for (const site of scan.computed) {
    if (!(site.file in computed)) problems.push(`${site.where}: a computed RegExp; give its runtime value to the ReDoS test`);
  }
  for (const file of Object.keys(computed)) {
    if (!scan.computed.some((site) => site.file === file)) problems.push(`${file}: listed with computed patterns, but it builds none`);
  }
  const runtime = Object.entries(computed).flatMap(([file, patterns]) => patterns.map((p, i) => ({ where: `${file} (runtime pattern ${i + 1})`, source: p.source, flags: p.flags })));
  const all = [...scan.regexes, ...runtime];
  for (const source of Object.keys(accepted)) {
    if (!all.some((regex) => regex.source === source)) problems.push(`accepted /${source}/ is no longer in the sources: remove it from the list`);
  }
  const verdicts = await redosVerdicts(all.filter((regex) => !(regex.source in accepted)));
  for (const verdict of verdicts) if (verdict.status !== 'safe') problems.push(`${verdict.where}: /${verdict.source}/${verdict.flags} is ${verdict.detail}`);
  return { checked: verdicts.length, problems };
}
