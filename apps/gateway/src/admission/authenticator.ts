import { type ApiKeyRegistry, type ApiPrincipal, presentedApiKey } from '@tokenscope/config';
import { GenerationError } from '../generation/generation.errors.js';

/** Who is calling: undefined in open access (no keys configured), else the key's owner or a 401. */
export class Authenticator {
  constructor(private readonly registry: ApiKeyRegistry | undefined) {}

  get isOpen(): boolean {
    return this.registry === undefined;
  }

  principalOf(headers: Record<string, string | string[] | undefined>): ApiPrincipal | undefined {
    if (!this.registry) return undefined;
    const key = presentedApiKey(headers);
    if (!key) throw new GenerationError('UNAUTHORIZED', 'authorization: an API key is required (Authorization: Bearer <key>)', { param: 'authorization' });
    const principal = this.registry.identify(key);
    // the presented key is never echoed back
    if (!principal) throw new GenerationError('UNAUTHORIZED', 'authorization: the API key is not valid', { param: 'authorization' });
    return principal;
  }

  requireAdmin(headers: Record<string, string | string[] | undefined>): void {
    const principal = this.principalOf(headers);
    if (principal && !principal.isAdmin) throw new GenerationError('FORBIDDEN', 'authorization: this endpoint needs an admin key', { param: 'authorization' });
  }
}
