import { z } from 'zod';

/** W3C trace context carried inside a job so the consumer's span joins the producer's trace. */
export const traceCarrier = z
  .object({
    traceparent: z.string().max(128).optional(),
    tracestate: z.string().max(512).optional(),
  })
  .strict();

export type TraceCarrier = z.infer<typeof traceCarrier>;
