import type { ApiPrincipal } from '@tokenscope/config';
import type { RateLimitSubject } from '@tokenscope/queue-contracts';
import { GenerationError } from '../generation/generation.errors.js';
import { withTimeout } from './with-timeout.js';

/** Requests and tokens per minute; 0 = no limit of that kind. */
export interface MinuteLimits {
  requestsPerMinute: number;
  tokensPerMinute: number;
}

/** What the shared buckets said about one request. */
export interface BucketReading {
  isAdmitted: boolean;
  /** Which bucket refused it. */
  refusedBy: 'requests' | 'tokens' | undefined;
  requestsLeft: number;
  tokensLeft: number;
  /** Until each bucket is full again (OpenAI's `x-ratelimit-reset-*`). */
  requestsResetMs: number;
  tokensResetMs: number;
  /** Until the refused request would fit. */
  retryAfterMs: number;
}

/** The token buckets every gateway replica shares (Redis in production). */
export interface BucketStore {
  take(subject: RateLimitSubject, limits: MinuteLimits, tokens: number): Promise<BucketReading>;
  /** Gives back (or, negative, takes more of) the tokens estimated at admission once the real count is known. */
  correctTokens(subject: RateLimitSubject, limits: MinuteLimits, tokens: number): Promise<void>;
}

export interface RateLimitPolicy {
  defaults: MinuteLimits;
  timeoutMs: number;
  /** When the buckets cannot be read in time: `open` admits, `closed` refuses with 503. */
  failMode: 'open' | 'closed';
}

/** A request the limits let through: the headers its answer carries, and how to settle its tokens. */
export interface RateLimitPass {
  headers: Record<string, string>;
  /** Once the request's real token count is known (0 when nothing was generated). */
  settle(tokensUsed: number): void;
}

const NO_LIMITS: RateLimitPass = { headers: {}, settle: () => undefined };

/**
 * Requests and tokens per minute per API key (or per user without keys), shared by every replica:
 * one token bucket of each kind per subject, refilled continuously (a limit of 60 RPM gives one
 * request a second back, and a full bucket allows a burst of 60). A request takes one request and
 * its token estimate (prompt bytes / 4 + max_tokens, as OpenAI counts before it generates); the
 * difference to the real count is settled when it ends. Refusals are 429 with Retry-After and
 * OpenAI's `x-ratelimit-*` headers, which clients such as the `openai` SDK read to back off.
 */
export class RateLimiter {
  constructor(
    private readonly store: BucketStore,
    private readonly policy: RateLimitPolicy,
    private readonly onStoreFailure: (error: unknown) => void = () => undefined,
  ) {}

  get isEnabled(): boolean {
    return this.policy.defaults.requestsPerMinute > 0 || this.policy.defaults.tokensPerMinute > 0;
  }

  /** The limits of one caller: its key's overrides, else the defaults. */
  limitsOf(principal: ApiPrincipal | undefined): MinuteLimits {
    return {
      requestsPerMinute: principal?.rateLimits.requestsPerMinute ?? this.policy.defaults.requestsPerMinute,
      tokensPerMinute: principal?.rateLimits.tokensPerMinute ?? this.policy.defaults.tokensPerMinute,
    };
  }

  /** Takes from the caller's buckets, or throws the 429 (or 400, for a request over the limit by itself). */
  async admit(principal: ApiPrincipal | undefined, userId: string, estimatedTokens: number): Promise<RateLimitPass> {
    const limits = this.limitsOf(principal);
    if (limits.requestsPerMinute === 0 && limits.tokensPerMinute === 0) return NO_LIMITS;
    if (limits.tokensPerMinute > 0 && estimatedTokens > limits.tokensPerMinute) {
      // it would wait forever: the client must ask for less, not retry
      throw new GenerationError(
        'INVALID_REQUEST',
        `max_tokens: this request may use up to ${estimatedTokens} tokens (prompt and max_tokens), over the limit of ${limits.tokensPerMinute} tokens per minute`,
        { param: 'max_tokens' },
      );
    }
    const subject: RateLimitSubject = principal ? { kind: 'key', keyId: principal.keyId } : { kind: 'user', userId };
    let reading: BucketReading;
    try {
      reading = await withTimeout(this.store.take(subject, limits, estimatedTokens), this.policy.timeoutMs);
    } catch (error) {
      this.onStoreFailure(error);
      if (this.policy.failMode === 'open') return NO_LIMITS;
      throw new GenerationError('RATE_LIMIT_UNAVAILABLE', 'the rate limits cannot be checked right now; retry shortly', { retryAfterSeconds: 1 });
    }
    const headers = rateLimitHeaders(limits, reading);
    if (!reading.isAdmitted) {
      const kind = reading.refusedBy === 'tokens' ? 'tokens' : 'requests';
      const limit = kind === 'tokens' ? `${limits.tokensPerMinute} tokens` : `${limits.requestsPerMinute} requests`;
      throw new GenerationError(kind === 'tokens' ? 'RATE_LIMITED_TOKENS' : 'RATE_LIMITED_REQUESTS', `rate limit of ${limit} per minute reached; retry in ${formatDuration(reading.retryAfterMs)}`, {
        retryAfterSeconds: Math.max(1, Math.ceil(reading.retryAfterMs / 1000)),
        headers: { ...headers, 'retry-after-ms': String(Math.max(1, reading.retryAfterMs)) },
      });
    }
    let isSettled = false;
    return {
      headers,
      settle: (tokensUsed) => {
        if (isSettled || limits.tokensPerMinute === 0) return;
        isSettled = true;
        const difference = estimatedTokens - tokensUsed;
        if (difference !== 0) this.store.correctTokens(subject, limits, difference).catch((error: unknown) => this.onStoreFailure(error));
      },
    };
  }
}

/** OpenAI's rate-limit response headers, for the kinds that are limited. */
export function rateLimitHeaders(limits: MinuteLimits, reading: BucketReading): Record<string, string> {
  const headers: Record<string, string> = {};
  if (limits.requestsPerMinute > 0) {
    headers['x-ratelimit-limit-requests'] = String(limits.requestsPerMinute);
    headers['x-ratelimit-remaining-requests'] = String(reading.requestsLeft);
    headers['x-ratelimit-reset-requests'] = formatDuration(reading.requestsResetMs);
  }
  if (limits.tokensPerMinute > 0) {
    headers['x-ratelimit-limit-tokens'] = String(limits.tokensPerMinute);
    headers['x-ratelimit-remaining-tokens'] = String(reading.tokensLeft);
    headers['x-ratelimit-reset-tokens'] = formatDuration(reading.tokensResetMs);
  }
  return headers;
}

/** A duration as OpenAI writes it in `x-ratelimit-reset-*`: `1m30s`, `6s`, `120ms`. */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole < 1000) return `${whole}ms`;
  const seconds = Math.ceil(whole / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${seconds % 60}s` : `${seconds}s`;
}
