import type { z } from 'zod';

/** Longest field name quoted back in an error: a key is caller input and may be any size. */
const FIELD_NAME_LIMIT_CHARS = 64;
const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** How an error names a key the caller sent: as is when plain (letters, digits, `_`, `$`, `-`), else quoted as a JSON string; cut to 64 characters. */
export function fieldName(key: string): string {
  const shown = key.length > FIELD_NAME_LIMIT_CHARS ? `${key.slice(0, FIELD_NAME_LIMIT_CHARS)}…` : key;
  // quoted, an empty, blank or dotted key cannot be mistaken for no field, or for a path
  return PLAIN_KEY.test(shown) ? shown : JSON.stringify(shown);
}

/**
 * One zod issue as the field it concerns (`messages.0.role`, never empty: `body` for the whole
 * body) and a message that says what is expected without quoting the value. Parse with
 * `{ reportInput: true }`: zod 4 drops `input` otherwise, and a missing field cannot be told
 * from a field of the wrong type.
 */
export function describeIssue(issue: z.core.$ZodIssue): { param: string; message: string } {
  const path = issue.path.map((part) => fieldName(String(part))).join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = fieldName(issue.keys[0] ?? '');
    return { param: path ? `${path}.${key}` : key, message: 'unknown field' };
  }
  const param = path || 'body';
  if (issue.code === 'invalid_type' && issue.input === undefined) return { param, message: 'is required' };
  if (issue.code === 'invalid_union') return { param, message: 'has the wrong type or shape' };
  return { param, message: issue.message.replace(/^Invalid input: /, '') };
}
