import {
  COST_LEDGER_DAY_TTL_SECONDS,
  feedbackKey,
  modelSpendKey,
  QUALITY_WINDOW_COUNT_FIELDS,
  qualityProcessedKey,
  qualityWindowCountsKey,
  qualityWindowEntriesKey,
  qualityWindowOrderKey,
  REQUEST_RECORD_TTL_SECONDS,
  requestRecordKey,
  totalSpendByDayKey,
  totalSpendKey,
  userSpendByDayKey,
  userSpendKey,
  type RequestRecord,
} from '@tokenscope/queue-contracts';
import type { Grounding } from '../detectors/detector-suite.js';
import { QualityError } from '../quality.errors.js';
import type { WindowCounts } from '../window/window-rates.js';
import { INGEST_GENERATION, RECORD_VOTE } from './quality-scripts.js';
import type { RedisClient } from '@tokenscope/redis';

/** One generation event reduced to what the window and the ledger keep. */
export interface GenerationFacts {
  /** The gateway's own id of the request: the once-only key. */
  requestId: string;
  /** The id the client was given and votes with: the request record, the vote and the window entry. */
  publicId: string;
  userId: string;
  model: string;
  isSuccess: boolean;
  isRefusal: boolean;
  grounding: Grounding;
  costUsd: number;
  /** Cost day (YYYY-MM-DD in COST_TIMEZONE) of the generation's end. */
  costDay: string;
  /** The request's outcome (success, error, cancelled, rejected) and when it ended (epoch ms). */
  status: string;
  finishedAtMs: number;
}

export interface Vote {
  requestId: string;
  isThumbsUp: boolean;
  comment: string | undefined;
  atMs: number;
  /** Owner and model of the request, from its request record. */
  ownerUserId: string;
  model: string;
}

/** `new`: first vote on the request; `changed`: the direction flipped; `same`: voted the same way again. */
export type VoteOutcome = { status: 'missing' } | { status: 'new' | 'changed' | 'same'; isInWindow: boolean };

/** Everything the gauges show, read in one round trip. */
export interface StoreSnapshot {
  window: WindowCounts;
  dailySpendUsd: number;
  /** Users at or over the budget today; undefined when no budget is set. */
  usersAtBudget: number | undefined;
  /** Highest all-time spenders, highest first. */
  topSpenders: Array<[userId: string, amountUsd: number]>;
  totalSpendUsd: number;
  spendByModel: Map<string, number>;
}

/** The quality service's state in Redis, behind the operations the services need. */
export interface QualityStore {
  /** Counts a generation exactly once; `duplicate` when its (gateway's own) request id was counted before. */
  ingest(facts: GenerationFacts): Promise<'processed' | 'duplicate'>;
  requestRecord(requestId: string): Promise<RequestRecord | undefined>;
  recordVote(vote: Vote): Promise<VoteOutcome>;
  window(): Promise<WindowCounts>;
  userSpendOn(userId: string, day: string): Promise<number>;
  snapshot(day: string, topN: number, budgetUsd: number | undefined): Promise<StoreSnapshot>;
}

export const QUALITY_STORE = Symbol('QUALITY_STORE');

export interface RedisQualityStoreOptions {
  prefix: string;
  windowSize: number;
  dedupTtlSeconds: number;
  feedbackTtlSeconds: number;
}

const GROUNDING_FLAG: Record<Grounding, string> = { grounded: 'g', ungrounded: 'u', not_checked: 'n' };

/**
 * Redis implementation: every write is one Lua script (one round trip, atomic), so replicas
 * can share the window and a crash between two writes cannot leave half an event counted.
 * Redis failures surface as STORE_UNAVAILABLE.
 */
export class RedisQualityStore implements QualityStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisQualityStoreOptions,
  ) {}

  async ingest(facts: GenerationFacts): Promise<'processed' | 'duplicate'> {
    const p = this.options.prefix;
    const result = await this.call(() =>
      INGEST_GENERATION.run(
        this.redis,
        [
          qualityProcessedKey(p, facts.requestId),
          qualityWindowOrderKey(p),
          qualityWindowEntriesKey(p),
          qualityWindowCountsKey(p),
          feedbackKey(p, facts.publicId),
          userSpendByDayKey(p, facts.costDay),
          totalSpendByDayKey(p, facts.costDay),
          userSpendKey(p),
          modelSpendKey(p),
          totalSpendKey(p),
          requestRecordKey(p, facts.publicId),
        ],
        [
          facts.publicId,
          facts.isSuccess ? '1' : '0',
          facts.isRefusal ? '1' : '0',
          GROUNDING_FLAG[facts.grounding],
          String(facts.costUsd),
          facts.userId,
          facts.model,
          this.options.windowSize,
          this.options.dedupTtlSeconds,
          COST_LEDGER_DAY_TTL_SECONDS,
          facts.status,
          String(facts.finishedAtMs),
          REQUEST_RECORD_TTL_SECONDS,
        ],
      ),
    );
    return result === 1 ? 'processed' : 'duplicate';
  }

  async requestRecord(requestId: string): Promise<RequestRecord | undefined> {
    const record = await this.call(() => this.redis.hgetall(requestRecordKey(this.options.prefix, requestId)));
    if (!record.userId) return undefined;
    return {
      userId: record.userId,
      model: record.model ?? '',
      status: record.status ?? '',
      finishedAtMs: record.finishedAtMs ?? '',
      ...(record.traceparent ? { traceparent: record.traceparent } : {}),
    };
  }

  async recordVote(vote: Vote): Promise<VoteOutcome> {
    const p = this.options.prefix;
    const [previous, isInWindow] = (await this.call(() =>
      RECORD_VOTE.run(
        this.redis,
        [requestRecordKey(p, vote.requestId), feedbackKey(p, vote.requestId), qualityWindowEntriesKey(p), qualityWindowCountsKey(p)],
        [vote.requestId, vote.isThumbsUp ? '1' : '0', vote.comment ?? '', vote.atMs, this.options.feedbackTtlSeconds, vote.ownerUserId, vote.model],
      ),
    )) as [number, number];
    if (previous === -2) return { status: 'missing' };
    const status = previous === -1 ? 'new' : previous === (vote.isThumbsUp ? 1 : 0) ? 'same' : 'changed';
    return { status, isInWindow: isInWindow === 1 };
  }

  async window(): Promise<WindowCounts> {
    const values = await this.call(() => this.redis.hmget(qualityWindowCountsKey(this.options.prefix), ...QUALITY_WINDOW_COUNT_FIELDS));
    return countsOf(values);
  }

  async userSpendOn(userId: string, day: string): Promise<number> {
    const score = await this.call(() => this.redis.zscore(userSpendByDayKey(this.options.prefix, day), userId));
    return score === null ? 0 : Number(score);
  }

  async snapshot(day: string, topN: number, budgetUsd: number | undefined): Promise<StoreSnapshot> {
    const p = this.options.prefix;
    const pipeline = this.redis
      .pipeline()
      .hmget(qualityWindowCountsKey(p), ...QUALITY_WINDOW_COUNT_FIELDS)
      .get(totalSpendByDayKey(p, day))
      // one more than N: a user literally named "other" is folded, not shown
      .zrevrange(userSpendKey(p), 0, topN, 'WITHSCORES')
      .get(totalSpendKey(p))
      .hgetall(modelSpendKey(p));
    if (budgetUsd !== undefined) pipeline.zcount(userSpendByDayKey(p, day), budgetUsd, '+inf');
    const results = await this.call(() => pipeline.exec());
    const values = (results ?? []).map(([error, value]) => {
      if (error) throw new QualityError('STORE_UNAVAILABLE', 'the quality store did not answer', { cause: error });
      return value;
    });
    const ranked = values[2] as string[];
    const topSpenders: Array<[string, number]> = [];
    for (let i = 0; i + 1 < ranked.length; i += 2) topSpenders.push([ranked[i]!, Number(ranked[i + 1])]);
    const models = values[4] as Record<string, string>;
    return {
      window: countsOf(values[0] as Array<string | null>),
      dailySpendUsd: Number(values[1] ?? 0),
      usersAtBudget: budgetUsd === undefined ? undefined : Number(values[5]),
      topSpenders,
      totalSpendUsd: Number(values[3] ?? 0),
      spendByModel: new Map(Object.entries(models).map(([model, amount]) => [model, Number(amount)])),
    };
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof QualityError) throw error;
      throw new QualityError('STORE_UNAVAILABLE', 'the quality store did not answer', { cause: error });
    }
  }
}

function countsOf(values: Array<string | null>): WindowCounts {
  const counts = {} as WindowCounts;
  QUALITY_WINDOW_COUNT_FIELDS.forEach((field, i) => {
    counts[field] = Number(values[i] ?? 0);
  });
  return counts;
}
