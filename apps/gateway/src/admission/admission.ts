import type { ApiPrincipal } from '@tokenscope/config';
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
export class Admission {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly limiter: ConcurrencyLimiter,
    private readonly budget: BudgetGuard | undefined,
    readonly records: RequestRecordWriter,
  ) {}

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
