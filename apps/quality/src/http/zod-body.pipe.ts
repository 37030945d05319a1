import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { QualityError } from '../quality.errors.js';

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
    if (issue.code === 'unrecognized_keys') {
      throw new QualityError('INVALID_REQUEST', `${issue.keys.join(', ')}: unknown field`);
    }
    const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new QualityError('INVALID_REQUEST', `${field}: ${issue.message}`);
  }
}
