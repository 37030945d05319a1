import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { QualityError } from '../quality.errors.js';

/** Longest field name quoted back in an error: keys are caller input and may be any size. */
const FIELD_NAME_LIMIT_CHARS = 64;
const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** How an error names a key the caller sent: as is when plain (letters, digits, `_`, `$`, `-`), else quoted as a JSON string; cut to 64 characters. */
function fieldName(key: string): string {
  const shown = key.length > FIELD_NAME_LIMIT_CHARS ? `${key.slice(0, FIELD_NAME_LIMIT_CHARS)}…` : key;
  // quoted, an empty, blank or dotted key cannot be mistaken for no field, or for a path
  return PLAIN_KEY.test(shown) ? shown : JSON.stringify(shown);
}

/** Parses a body with a zod schema; the 400 names the first bad field (`thumbs_up: expected a boolean`). */
export class ZodBodyPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new QualityError('INVALID_REQUEST', 'body: expected a JSON object');
    }
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const issue = result.error.issues[0]!;
    const path = issue.path.map((part) => fieldName(String(part))).join('.');
    if (issue.code === 'unrecognized_keys') {
      // one key named, whatever the caller sent: a body of 10,000 unknown keys gets a short answer
      const key = fieldName(issue.keys[0] ?? '');
      const more = issue.keys.length > 1 ? ` (and ${issue.keys.length - 1} more)` : '';
      throw new QualityError('INVALID_REQUEST', `${path ? `${path}.${key}` : key}: unknown field${more}`);
    }
    throw new QualityError('INVALID_REQUEST', `${path || 'body'}: ${issue.message}`);
  }
}
