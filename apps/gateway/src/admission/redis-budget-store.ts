import { budgetKey, COST_LEDGER_DAY_TTL_SECONDS, userSpendByDayKey } from '@tokenscope/queue-contracts';
import { LuaScript, type RedisClient } from '@tokenscope/redis';
import type { BudgetStore, Reservation } from './budget-guard.js';

/**
 * Reserves ARGV[1] nano-dollars on the budget day KEYS[1] when spent + reserved + ARGV[1] stays
 * within ARGV[2] (and nothing is left to reserve once spent reached it). A day not seen yet starts
 * at ARGV[3] spent, or is answered -1 when ARGV[3] is empty. ARGV: 4 user id, 5 TTL s.
 * Returns { 1 reserved | 0 refused | -1 unseeded, spent, reserved before this request }.
 */
const RESERVE = new LuaScript(`
local spent = redis.call('HGET', KEYS[1], 'spent')
if not spent then
  if ARGV[3] == '' then return { -1, 0, 0 } end
  redis.call('HSET', KEYS[1], 'spent', ARGV[3], 'reserved', 0, 'user', ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  spent = ARGV[3]
end
local reserved = redis.call('HGET', KEYS[1], 'reserved') or '0'
local budget = tonumber(ARGV[2])
if tonumber(spent) >= budget or tonumber(spent) + tonumber(reserved) + tonumber(ARGV[1]) > budget then
  return { 0, spent, reserved }
end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
return { 1, spent, reserved }
`);

/**
 * Replaces a reservation with the real cost: ARGV[1] is the reservation, negated (as the caller
 * writes it, so no number is formatted in Lua), ARGV[2] the cost. A day that expired is left alone.
 */
const SETTLE = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2])
return 1
`);

export class RedisBudgetStore implements BudgetStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async reserve(day: string, userId: string, amountNanoUsd: number, budgetNanoUsd: number, seedSpentNanoUsd?: number): Promise<Reservation> {
    this.requireReady();
    const [outcome, spent, reserved] = (await RESERVE.run(
      this.redis,
      [budgetKey(this.prefix, day, userId)],
      [amountNanoUsd, budgetNanoUsd, seedSpentNanoUsd === undefined ? '' : seedSpentNanoUsd, userId, COST_LEDGER_DAY_TTL_SECONDS],
    )) as [number, string | number, string | number];
    if (outcome === -1) return { kind: 'unseeded' };
    if (outcome === 1) return { kind: 'reserved' };
    return { kind: 'refused', spentNanoUsd: Number(spent), reservedNanoUsd: Number(reserved) };
  }

  async settle(day: string, userId: string, reservedNanoUsd: number, costNanoUsd: number): Promise<void> {
    this.requireReady();
    await SETTLE.run(this.redis, [budgetKey(this.prefix, day, userId)], [String(-reservedNanoUsd), costNanoUsd]);
  }

  async ledgerSpendUsd(day: string, userId: string): Promise<number> {
    this.requireReady();
    const score = await this.redis.zscore(userSpendByDayKey(this.prefix, day), userId);
    return score === null ? 0 : Number(score);
  }

  private requireReady(): void {
    if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
  }
}
