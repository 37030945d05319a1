import { z } from 'zod';

/** The request ids the gateway hands out (docs/architecture.md: `^[A-Za-z0-9._-]{1,128}$` or a UUID). */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export const COMMENT_LIMIT_CHARS = 2000;

/** Body of `POST /v1/feedback`. Unknown fields are refused so a typo (`thumbsUp`) is not silently ignored. */
export const feedbackBody = z
  .object({
    request_id: z.string({ error: 'expected a string' }).regex(REQUEST_ID, 'expected the x-request-id of a response (1-128 letters, digits, . _ -)'),
    thumbs_up: z.boolean({ error: 'expected true or false' }),
    comment: z.string({ error: 'expected a string' }).max(COMMENT_LIMIT_CHARS, `at most ${COMMENT_LIMIT_CHARS} characters`).nullable().optional(),
  })
  .strict();

export type FeedbackBody = z.infer<typeof feedbackBody>;

/** What a vote did: `recorded` (first vote), `replaced` (the direction changed), `unchanged` (same direction again). */
export interface FeedbackResult {
  request_id: string;
  thumbs_up: boolean;
  status: 'recorded' | 'replaced' | 'unchanged';
}
