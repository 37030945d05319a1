import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The bearer token /metrics may require. Both sides are hashed to SHA-256 before a constant-time
 * compare, so neither the token's length nor its prefix can be learned from response times; the
 * token itself is not kept after construction.
 */
export class MetricsTokenCheck {
  private readonly digest: Buffer | undefined;

  constructor(token: string | undefined) {
    this.digest = token === undefined ? undefined : sha256(token);
  }

  /** True when no token is configured (open /metrics). */
  get isOpen(): boolean {
    return this.digest === undefined;
  }

  /** Whether an `Authorization` header value (or the first of several) grants access. */
  allows(authorization: string | string[] | undefined): boolean {
    if (this.digest === undefined) return true;
    const value = Array.isArray(authorization) ? authorization[0] : authorization;
    const match = value === undefined ? undefined : /^bearer\s+(\S.*)$/i.exec(value.trim());
    // \S after \s+: with (.+) the two could share a run of tabs, quadratic in the header's length (recheck)
    // a missing or malformed header still costs one compare, like a wrong token
    const isSame = timingSafeEqual(this.digest, sha256(match?.[1] ?? ''));
    return isSame && match !== undefined && match !== null;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The answer to a scrape without the right token. */
export const METRICS_UNAUTHORIZED_MESSAGE = 'authorization: /metrics needs the metrics token (Authorization: Bearer <METRICS_TOKEN>)';

/** What a 401 from /metrics tells the scraper about how to authenticate (RFC 6750). */
export const METRICS_WWW_AUTHENTICATE = 'Bearer realm="metrics"';
