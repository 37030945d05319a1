import { rateLimitKey, type RateLimitSubject } from '@tokenscope/queue-contracts';
import { LuaScript, type RedisClient } from '@tokenscope/redis';
import type { BucketReading, BucketStore, MinuteLimits } from './rate-limiter.js';

// A bucket's level at the Redis server's clock (one clock for every replica), refilled at
// `limit` per minute up to `limit`; a bucket never written is full.
const LEVEL = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function level(value, at, limit)
  if limit <= 0 then return 0 end
  if not value then return limit end
  return math.min(limit, tonumber(value) + (now - tonumber(at)) * limit / 60000)
end
local function untilFull(left, limit)
  if limit <= 0 then return 0 end
  return math.ceil((limit - left) * 60000 / limit)
end
`;

/**
 * Takes one request and ARGV[3] tokens from the buckets of KEYS[1] when both have enough, else
 * nothing. ARGV: 1 requests per minute, 2 tokens per minute (0: not limited), 3 tokens wanted.
 * Returns admitted (1/0), the refusing bucket, requests and tokens left, ms until each is full,
 * ms until the refused request would fit.
 */
const TAKE = new LuaScript(`${LEVEL}
local rpm, tpm, wanted = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'rq', 'rq_at', 'tk', 'tk_at')
local requests = level(state[1], state[2], rpm)
local tokens = level(state[3], state[4], tpm)
local refused, retry = '', 0
if rpm > 0 and requests < 1 then
  refused, retry = 'requests', math.ceil((1 - requests) * 60000 / rpm)
elseif tpm > 0 and tokens < wanted then
  refused, retry = 'tokens', math.ceil((wanted - tokens) * 60000 / tpm)
else
  if rpm > 0 then
    requests = requests - 1
    redis.call('HSET', KEYS[1], 'rq', tostring(requests), 'rq_at', now)
  end
  if tpm > 0 then
    tokens = tokens - wanted
    redis.call('HSET', KEYS[1], 'tk', tostring(tokens), 'tk_at', now)
  end
  redis.call('PEXPIRE', KEYS[1], math.max(1, untilFull(requests, rpm), untilFull(tokens, tpm)))
end
return { refused == '' and 1 or 0, refused, math.floor(math.max(0, requests)), math.floor(math.max(0, tokens)),
  untilFull(requests, rpm), untilFull(tokens, tpm), retry }
`);

/**
 * Adds ARGV[2] tokens (negative: takes them) to the token bucket of KEYS[1], at most up to full:
 * a request that used more than its estimate leaves the bucket in debt, which later requests wait
 * out. ARGV[1]: tokens per minute.
 */
const CORRECT_TOKENS = new LuaScript(`${LEVEL}
local tpm = tonumber(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'rq', 'rq_at', 'tk', 'tk_at')
local tokens = math.min(tpm, level(state[3], state[4], tpm) + tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'tk', tostring(tokens), 'tk_at', now)
local requestsFullIn = 0
if state[1] then requestsFullIn = redis.call('PTTL', KEYS[1]) end
redis.call('PEXPIRE', KEYS[1], math.max(1, requestsFullIn, untilFull(tokens, tpm)))
return 1
`);

/** The buckets in Redis: one hash per subject, updated by one script each, so replicas share them exactly. */
export class RedisBucketStore implements BucketStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async take(subject: RateLimitSubject, limits: MinuteLimits, tokens: number): Promise<BucketReading> {
    if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
    const reply = (await TAKE.run(this.redis, [rateLimitKey(this.prefix, subject)], [limits.requestsPerMinute, limits.tokensPerMinute, tokens])) as [
      number,
      string,
      number,
      number,
      number,
      number,
      number,
    ];
    const [admitted, refusedBy, requestsLeft, tokensLeft, requestsResetMs, tokensResetMs, retryAfterMs] = reply;
    return {
      isAdmitted: admitted === 1,
      refusedBy: refusedBy === 'requests' || refusedBy === 'tokens' ? refusedBy : undefined,
      requestsLeft,
      tokensLeft,
      requestsResetMs,
      tokensResetMs,
      retryAfterMs,
    };
  }

  async correctTokens(subject: RateLimitSubject, limits: MinuteLimits, tokens: number): Promise<void> {
    if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
    await CORRECT_TOKENS.run(this.redis, [rateLimitKey(this.prefix, subject)], [limits.tokensPerMinute, tokens]);
  }
}
