import type { ServerResponse } from 'node:http';
import type { ApiPrincipal } from '@tokenscope/config';
import { limitWriteStalls } from '../http/sse-writer.js';
import { GenerationError } from '../generation/generation.errors.js';
import type { Authenticator } from './authenticator.js';
import type { BudgetGuard, BudgetHold } from './budget-guard.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { RateLimiter, RateLimitPass } from './rate-limiter.js';
import type { RequestRecordWriter } from './request-record-writer.js';

/** What admission needs to know of a parsed request. */
export interface AdmissionClaim {
  userId: string;
  principal: ApiPrincipal | undefined;
  /** For the tokens-per-minute limit: prompt bytes / 4 + max_tokens, as OpenAI estimates before generating. */
  estimatedTokens: number;
  /** For the daily budget: the most the request can cost (0 when it cannot be priced per request). */
  costBoundUsd: number;
}

/** An admitted request: the headers its answer carries, and how it gives back what it holds. */
export interface AdmissionTicket {
  /** OpenAI's x-ratelimit-* headers, when rate limits apply. */
  headers: Record<string, string>;
  /**
   * The request is over: settles its tokens and cost against the shared limits (what it used, 0
   * when nothing was generated) and frees its slot. Only the first call counts.
   */
  finish(used: { tokens: number; costUsd: number }): void;
}
export interface DurationLimits {
  /** Longest wait for a client to take more of a streamed answer. */
  writeStallTimeoutMs: number;
  /** Longest a request may be served, whatever it waits for. */
  requestTimeoutMs: number;
}

export class Admission {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly limiter: ConcurrencyLimiter,
    private readonly rateLimits: RateLimiter | undefined,
    private readonly budget: BudgetGuard | undefined,
    readonly records: RequestRecordWriter,
    private readonly durations: DurationLimits,
  ) {}

  /**
   * Bounds how long a request can hold its slot: a client that takes nothing of its stream for
   * writeStallTimeoutMs, or a request still running after requestTimeoutMs, has its connection
   * closed, which ends the request as cancelled and aborts the upstream. Returns the function
   * that lifts the bounds once the request is over.
   */
  limitDuration(response: ServerResponse): () => void {
    limitWriteStalls(response, this.durations.writeStallTimeoutMs);
    const timer = setTimeout(() => response.destroy(), this.durations.requestTimeoutMs);
    timer.unref();
    return () => clearTimeout(timer);
  }

  get isOpenAccess(): boolean {
    return this.authenticator.isOpen;
  }

  authenticate(headers: Record<string, string | string[] | undefined>): ApiPrincipal | undefined {
    return this.authenticator.principalOf(headers);
  }

  requireAdmin(headers: Record<string, string | string[] | undefined>): void {
    this.authenticator.requireAdmin(headers);
  }

  /**
   * Resolves with the request's ticket once it holds a slot, fits its rate limits and has its
   * budget reserved; throws a GenerationError otherwise, holding nothing. In that order: the
   * local slot costs nothing to check, and a request refused by its rate limit reserves no budget.
   */
  async admit(claim: AdmissionClaim): Promise<AdmissionTicket> {
    if (!this.limiter.tryAcquire()) {
      throw new GenerationError('OVERLOADED', `the gateway is serving its limit of ${this.limiter.limit} requests; retry shortly`, { retryAfterSeconds: 1 });
    }
    let pass: RateLimitPass | undefined;
    let hold: BudgetHold | undefined;
    try {
      pass = await this.rateLimits?.admit(claim.principal, claim.userId, claim.estimatedTokens);
      hold = await this.budget?.admit(claim.userId, claim.costBoundUsd);
    } catch (error) {
      this.limiter.release();
      // refused for the budget after the rate limit let it through: it generated nothing
      pass?.settle(0);
      throw error;
    }
    let isFinished = false;
    return {
      headers: pass?.headers ?? {},
      finish: (used) => {
        if (isFinished) return;
        isFinished = true;
        this.limiter.release();
        pass?.settle(used.tokens);
        hold?.settle(used.costUsd);
      },
    };
  }
}