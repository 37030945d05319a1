import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable } from '@nestjs/common';
import { type ApiKeyRegistry, presentedApiKey } from '@tokenscope/config';
import type { FastifyRequest } from 'fastify';
import { QualityError } from '../quality.errors.js';

/** Who is calling: anyone (no keys configured) or the owner of a valid key. */
export type Caller = { kind: 'open' } | { kind: 'key'; userId: string; isAdmin: boolean };

/** The configured API keys; `registry` undefined means open access (API_KEYS and API_KEYS_FILE unset). */
export class ApiKeys {
  constructor(readonly registry: ApiKeyRegistry | undefined) {}

  /** The caller of a request; throws UNAUTHORIZED when keys are configured and none valid is presented. */
  callerOf(headers: FastifyRequest['headers']): Caller {
    if (!this.registry) return { kind: 'open' };
    const key = presentedApiKey(headers);
    if (!key) throw new QualityError('UNAUTHORIZED', 'authorization: an API key is required (Authorization: Bearer <key> or x-api-key)');
    const principal = this.registry.identify(key);
    if (!principal) throw new QualityError('UNAUTHORIZED', 'authorization: the API key is not valid');
    return { kind: 'key', userId: principal.userId, isAdmin: principal.isAdmin };
  }
}

interface RequestWithCaller extends FastifyRequest {
  caller?: Caller;
}

/** Resolves the caller before the handler runs (401 here, never inside a controller). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeys) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    request.caller = this.keys.callerOf(request.headers);
    return true;
  }
}

/** The caller resolved by ApiKeyGuard. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<RequestWithCaller>().caller;
  if (!caller) throw new QualityError('INTERNAL', 'route without ApiKeyGuard');
  return caller;
});

/** Aggregates (window, spend) are an operator's view: admins only once keys are configured. */
export function assertCanReadAggregates(caller: Caller): void {
  if (caller.kind === 'key' && !caller.isAdmin) throw new QualityError('FORBIDDEN', 'authorization: an admin API key is required');
}
