import type { ServerResponse } from 'node:http';
import type { ApiPrincipal } from '@tokenscope/config';
import { limitWriteStalls } from '../http/sse-writer.js';
import { GenerationError } from '../generation/generation.errors.js';
import type { Authenticator } from './authenticator.js';
import type { BudgetGuard } from './budget-guard.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { RequestRecordWriter } from './request-record-writer.js';

/**
 * Everything that decides whether a request may reach a model, in order: who is calling (401),
 * then — once the body is valid — their budget (429 until midnight) and the gateway's capacity
 * (429 with Retry-After instead of an unbounded queue). Holds the request record writer too,
 * since the record is the admitted request's receipt for feedback.
 */
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

  /** Resolves with a release function once the request holds a slot; throws a GenerationError otherwise. */
  async admit(userId: string): Promise<() => void> {
    if (this.budget) await this.budget.admit(userId);
    if (!this.limiter.tryAcquire()) {
      throw new GenerationError('OVERLOADED', `the gateway is serving its limit of ${this.limiter.limit} requests; retry shortly`, { retryAfterSeconds: 1 });
    }
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      this.limiter.release();
    };
  }
}
