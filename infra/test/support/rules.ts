import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { INFRA_DIR } from './tools.js';

export const RULES_DIR = join(INFRA_DIR, 'prometheus', 'rules');
export const RULE_TESTS_DIR = join(INFRA_DIR, 'prometheus', 'tests');

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleFile {
  name: string;
  path: string;
  text: string;
  groups: Array<{ name: string; interval?: string; rules: Rule[] }>;
}

export function ruleFiles(): RuleFile[] {
  return readdirSync(RULES_DIR)
    .filter((name) => name.endsWith('.yml'))
    .sort()
    .map((name) => {
      const path = join(RULES_DIR, name);
      const text = readFileSync(path, 'utf8');
      return { name, path, text, groups: (parse(text) as Pick<RuleFile, 'groups'>).groups };
    });
}

export function allRules(): Rule[] {
  return ruleFiles().flatMap((file) => file.groups.flatMap((group) => group.rules));
}

export const recordingRules = (): Rule[] => allRules().filter((rule) => rule.record !== undefined);
export const alertRules = (): Rule[] => allRules().filter((rule) => rule.alert !== undefined);

const DURATION = /^(?:\d+(?:ms|[smhdwy]))+$/;
const DURATION_PART = /(\d+)(ms|[smhdwy])/g;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

export function durationSeconds(duration: string): number {
  if (!DURATION.test(duration)) throw new Error(`not a Prometheus duration: ${duration}`);
  let seconds = 0;
  for (const [, amount, unit] of duration.matchAll(DURATION_PART)) seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  return seconds;
}

export interface Shortening {
  /** New length of a range window `[5m]`, from its original length in seconds. */
  window: (seconds: number) => number;
  /** New `for:` in seconds, from the original. */
  holdFor: (seconds: number) => number;
}

/**
 * A copy of a rule file for a test run: every range window and every `for:` shortened, the
 * rest (names, thresholds, labels, annotations) unchanged. Subqueries `[w:r]` get both parts
 * shortened. The text is edited in place rather than re-serialised, so that nothing else moves.
 */
export function shortenRuleText(text: string, shortening: Shortening): string {
  const shortened = text
    .replace(/\[(\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)(?::(\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*))?\]/g, (_all, window: string, resolution?: string) => {
      const shortWindow = `${Math.max(1, Math.round(shortening.window(durationSeconds(window))))}s`;
      return resolution ? `[${shortWindow}:${Math.max(1, Math.round(shortening.window(durationSeconds(resolution))))}s]` : `[${shortWindow}]`;
    })
    .replace(/^(\s+for:\s*)(\S+)\s*$/gm, (_all, prefix: string, holdFor: string) => `${prefix}${Math.max(0, Math.round(shortening.holdFor(durationSeconds(holdFor))))}s`);
  return shortened;
}
