/** Counts generation requests in flight and refuses more than the limit instead of queueing them. */
export class ConcurrencyLimiter {
  private inFlight = 0;

  constructor(readonly limit: number) {}

  get current(): number {
    return this.inFlight;
  }

  tryAcquire(): boolean {
    if (this.inFlight >= this.limit) return false;
    this.inFlight++;
    return true;
  }

  release(): void {
    if (this.inFlight > 0) this.inFlight--;
  }
}
