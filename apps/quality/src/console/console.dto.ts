import { requestStatus } from '@tokenscope/queue-contracts';
import { z } from 'zod';

/** `GET /v1/console/requests` query: the explorer's filters and how many rows. */
export const requestsQuery = z
  .object({
    model: z.string().max(128).optional(),
    user: z.string().max(256).optional(),
    status: z.union([requestStatus, z.literal('')]).optional(),
    id: z.string().max(128).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export type RequestsQuery = z.infer<typeof requestsQuery>;
