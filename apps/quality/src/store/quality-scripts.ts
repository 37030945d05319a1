import { LuaScript } from '@tokenscope/redis';

// Window entry flags (see qualityWindowEntriesKey): refused 1/0, grounding g/u/n, vote +/-/0.
const APPLY_FLAGS = `
local function apply(counts, flags, sign)
  redis.call('HINCRBY', counts, 'generations', sign)
  if string.sub(flags, 1, 1) == '1' then redis.call('HINCRBY', counts, 'refusals', sign) end
  local grounding = string.sub(flags, 2, 2)
  if grounding ~= 'n' then
    redis.call('HINCRBY', counts, 'checked', sign)
    if grounding == 'u' then redis.call('HINCRBY', counts, 'ungrounded', sign) end
  end
  local vote = string.sub(flags, 3, 3)
  if vote ~= '0' then
    redis.call('HINCRBY', counts, 'votes', sign)
    if vote == '+' then redis.call('HINCRBY', counts, 'up', sign) end
  end
end
`;

/**
 * Counts one generation event, exactly once, in one atomic step: the idempotency guard, the
 * cost ledger, and (for a successful generation) the window entry with any vote that arrived
 * before the event, evicting the oldest entries beyond the window size.
 *
 * It also writes the request record when the gateway could not (Redis was down when the request
 * ended), so that such a request can still be voted on once its event arrives.
 *
 * The guard is keyed by the gateway's own id of the request; the feedback, the request record and
 * the window entry by the id the client was given (its public id), which votes name.
 *
 * KEYS: 1 guard, 2 window order, 3 window entries, 4 window counts, 5 feedback of this request,
 *       6 user spend on the day, 7 total spend on the day, 8 user all-time spend, 9 model spend, 10 total all-time spend,
 *       11 request record
 * ARGV: 1 public id, 2 is success (1/0), 3 refused (1/0), 4 grounding (g/u/n), 5 cost USD, 6 user id,
 *       7 model, 8 window size, 9 guard TTL s, 10 day-key TTL s, 11 status, 12 finished at (epoch ms),
 *       13 request record TTL s
 * Returns 1 when counted, 0 when this request id was counted before.
 */
export const INGEST_GENERATION = new LuaScript(`${APPLY_FLAGS}
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[9]) then return 0 end
if ARGV[11] ~= 'rejected' and redis.call('EXISTS', KEYS[11]) == 0 then
  redis.call('HSET', KEYS[11], 'userId', ARGV[6], 'model', ARGV[7], 'status', ARGV[11], 'finishedAtMs', ARGV[12])
  redis.call('EXPIRE', KEYS[11], ARGV[13])
end
if tonumber(ARGV[5]) > 0 then
  redis.call('ZINCRBY', KEYS[6], ARGV[5], ARGV[6])
  redis.call('EXPIRE', KEYS[6], ARGV[10])
  redis.call('INCRBYFLOAT', KEYS[7], ARGV[5])
  redis.call('EXPIRE', KEYS[7], ARGV[10])
  redis.call('ZINCRBY', KEYS[8], ARGV[5], ARGV[6])
  redis.call('HINCRBYFLOAT', KEYS[9], ARGV[7], ARGV[5])
  redis.call('INCRBYFLOAT', KEYS[10], ARGV[5])
end
if ARGV[2] ~= '1' or redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 1 end
local vote = '0'
local thumbs = redis.call('HGET', KEYS[5], 'thumbsUp')
if thumbs == '1' then vote = '+' elseif thumbs == '0' then vote = '-' end
local flags = ARGV[3] .. ARGV[4] .. vote
redis.call('HSET', KEYS[3], ARGV[1], flags)
redis.call('RPUSH', KEYS[2], ARGV[1])
apply(KEYS[4], flags, 1)
local size = tonumber(ARGV[8])
while redis.call('LLEN', KEYS[2]) > size do
  local oldest = redis.call('LPOP', KEYS[2])
  local old = redis.call('HGET', KEYS[3], oldest)
  if old then
    redis.call('HDEL', KEYS[3], oldest)
    apply(KEYS[4], old, -1)
  end
end
return 1
`);

/**
 * Records a vote, atomically with its effect on the window: the request record must still exist;
 * the latest vote replaces the previous one (and its comment); when the generation is in the
 * window its counted vote moves with it. A generation not consumed yet picks the vote up when
 * its event arrives (INGEST_GENERATION reads the feedback hash).
 *
 * KEYS: 1 request record, 2 feedback hash, 3 window entries, 4 window counts
 * ARGV: 1 request id, 2 thumbs up (1/0), 3 comment ('' = none), 4 now (epoch ms), 5 feedback TTL s,
 *       6 owner user id, 7 model
 * Returns {previous vote (-2 the request record is gone, -1 none, 0 down, 1 up), is in window (1/0)}.
 */
export const RECORD_VOTE = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {-2, 0} end
local previous = redis.call('HGET', KEYS[2], 'thumbsUp')
redis.call('HSET', KEYS[2], 'thumbsUp', ARGV[2], 'votedAtMs', ARGV[4], 'userId', ARGV[6], 'model', ARGV[7])
redis.call('HSETNX', KEYS[2], 'firstVotedAtMs', ARGV[4])
redis.call('HSETNX', KEYS[2], 'changes', '0')
if previous and previous ~= ARGV[2] then redis.call('HINCRBY', KEYS[2], 'changes', 1) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], 'comment', ARGV[3]) else redis.call('HDEL', KEYS[2], 'comment') end
redis.call('EXPIRE', KEYS[2], ARGV[5])
local inWindow = 0
local flags = redis.call('HGET', KEYS[3], ARGV[1])
if flags then
  inWindow = 1
  local old = string.sub(flags, 3, 3)
  local new = '-'
  if ARGV[2] == '1' then new = '+' end
  if old ~= new then
    redis.call('HSET', KEYS[3], ARGV[1], string.sub(flags, 1, 2) .. new)
    if old == '0' then redis.call('HINCRBY', KEYS[4], 'votes', 1) end
    if old == '+' then redis.call('HINCRBY', KEYS[4], 'up', -1) end
    if new == '+' then redis.call('HINCRBY', KEYS[4], 'up', 1) end
  end
end
local before = -1
if previous then before = tonumber(previous) end
return {before, inWindow}
`);

/**
 * Books the GPU-time cost of one GPU sample, exactly once, in one atomic step: the guard on
 * (host, sampledAtMs), the model's all-time spend and the day's total. No user pays it (GPU time
 * is not attributed to requests), so the user keys and the all-time total behind the top-N fold
 * of llm_cost_by_user_dollars stay as they are.
 *
 * KEYS: 1 guard, 2 model spend, 3 total spend on the day
 * ARGV: 1 model, 2 cost USD, 3 guard TTL s, 4 day-key TTL s
 * Returns 1 when booked, 0 when this sample was booked before.
 */
export const BOOK_GPU_SAMPLE = new LuaScript(`
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[3]) then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('HINCRBYFLOAT', KEYS[2], ARGV[1], ARGV[2])
  redis.call('INCRBYFLOAT', KEYS[3], ARGV[2])
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
return 1
`);
