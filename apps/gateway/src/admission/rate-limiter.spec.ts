import type { ApiPrincipal } from '@tokenscope/config';
import type { RateLimitSubject } from '@tokenscope/queue-contracts';
import { rejectionOf } from '@tokenscope/testing';
import { GenerationError } from '../generation/generation.errors.js';
import { formatDuration, RateLimiter, type BucketReading, type BucketStore, type MinuteLimits } from './rate-limiter.js';

const failureOf = (promise: Promise<unknown>) => rejectionOf(promise, GenerationError);

/** Answers what it is told to; RedisBucketStore's arithmetic is tested on a real Redis (test/rate-limits.e2e-spec.ts). */
class ScriptedStore implements BucketStore {
  reading: BucketReading = { isAdmitted: true, refusedBy: undefined, requestsLeft: 9, tokensLeft: 900, requestsResetMs: 6000, tokensResetMs: 6000, retryAfterMs: 0 };
  readonly takes: Array<[RateLimitSubject, MinuteLimits, number]> = [];
  readonly corrections: number[] = [];
  failure: Error | undefined;

  async take(subject: RateLimitSubject, limits: MinuteLimits, tokens: number): Promise<BucketReading> {
    this.takes.push([subject, limits, tokens]);
    if (this.failure) throw this.failure;
    return this.reading;
  }

  async correctTokens(_subject: RateLimitSubject, _limits: MinuteLimits, tokens: number): Promise<void> {
    this.corrections.push(tokens);
  }
}

const policy = { defaults: { requestsPerMinute: 10, tokensPerMinute: 1000 }, timeoutMs: 20, failMode: 'open' as const };
const principal = (rateLimits: ApiPrincipal['rateLimits'] = {}): ApiPrincipal => ({ userId: 'alice', isAdmin: false, keyId: 'abcdef0123456789', rateLimits });

describe(RateLimiter.name, () => {
  it('counts per key with API keys and per user without, with the key\'s own limits first', async () => {
    const store = new ScriptedStore();
    const limiter = new RateLimiter(store, policy);
    await limiter.admit(principal({ requestsPerMinute: 3 }), 'alice', 40);
    await limiter.admit(undefined, 'bob', 50);
    expect(store.takes).toEqual([
      [{ kind: 'key', keyId: 'abcdef0123456789' }, { requestsPerMinute: 3, tokensPerMinute: 1000 }, 40],
      [{ kind: 'user', userId: 'bob' }, { requestsPerMinute: 10, tokensPerMinute: 1000 }, 50],
    ]);
  });

  it('skips Redis for a key whose limits are both lifted (0)', async () => {
    const store = new ScriptedStore();
    const pass = await new RateLimiter(store, policy).admit(principal({ requestsPerMinute: 0, tokensPerMinute: 0 }), 'alice', 40);
    expect(pass.headers).toEqual({});
    expect(store.takes).toHaveLength(0);
  });

  it('answers OpenAI\'s x-ratelimit-* headers and settles the estimate once', async () => {
    const store = new ScriptedStore();
    const pass = await new RateLimiter(store, policy).admit(undefined, 'alice', 300);
    expect(pass.headers).toEqual({
      'x-ratelimit-limit-requests': '10',
      'x-ratelimit-remaining-requests': '9',
      'x-ratelimit-reset-requests': '6s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '900',
      'x-ratelimit-reset-tokens': '6s',
    });
    pass.settle(120);
    pass.settle(120);
    expect(store.corrections).toEqual([180]);
  });

  it('refuses with 429, Retry-After, retry-after-ms and the headers, naming the limit', async () => {
    const store = new ScriptedStore();
    store.reading = { isAdmitted: false, refusedBy: 'tokens', requestsLeft: 4, tokensLeft: 20, requestsResetMs: 30_000, tokensResetMs: 58_800, retryAfterMs: 1_500 };
    const refusal = await failureOf(new RateLimiter(store, policy).admit(undefined, 'alice', 45));
    expect(refusal.code).toBe('RATE_LIMITED_TOKENS');
    expect(refusal.message).toBe('rate limit of 1000 tokens per minute reached; retry in 2s');
    expect(refusal.details.retryAfterSeconds).toBe(2);
    expect(refusal.details.headers).toMatchObject({ 'retry-after-ms': '1500', 'x-ratelimit-remaining-tokens': '20', 'x-ratelimit-reset-tokens': '59s', 'x-ratelimit-reset-requests': '30s' });
  });

  it('refuses a request larger than the tokens-per-minute limit as a bad request, not a 429 to retry forever', async () => {
    const store = new ScriptedStore();
    const refusal = await failureOf(new RateLimiter(store, policy).admit(undefined, 'alice', 1001));
    expect(refusal.code).toBe('INVALID_REQUEST');
    expect(refusal.details.param).toBe('max_tokens');
    expect(store.takes).toHaveLength(0);
  });

  it('fails open on a slow or absent Redis by default, and closed when asked', async () => {
    const store = new ScriptedStore();
    store.failure = new Error('redis is reconnecting');
    const failures: unknown[] = [];
    await expect(new RateLimiter(store, policy, (e) => failures.push(e)).admit(undefined, 'alice', 1)).resolves.toMatchObject({ headers: {} });
    expect(failures).toHaveLength(1);
    expect((await failureOf(new RateLimiter(store, { ...policy, failMode: 'closed' }).admit(undefined, 'alice', 1))).code).toBe('RATE_LIMIT_UNAVAILABLE');
  });
});

describe('formatDuration', () => {
  it('writes durations as OpenAI does', () => {
    expect([0, 20, 999, 1000, 1001, 59_000, 60_000, 90_500].map(formatDuration)).toEqual(['0ms', '20ms', '999ms', '1s', '2s', '59s', '1m0s', '1m31s']);
  });
});
