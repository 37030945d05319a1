/**
 * Keeps a label to a closed set: values outside the configured set collapse into one fallback,
 * so a request naming a million made-up models still adds at most one series.
 */
export class LabelGuard {
  private readonly allowed: Set<string>;
  private limit: number;

  /**
   * @param admitUpTo values outside `allowed` that are admitted, first come first served, before
   *   the rest collapse into the fallback: for sets learned at run time (models discovered from an
   *   upstream), still bounded.
   */
  constructor(
    allowed: Iterable<string>,
    readonly fallback = 'unknown',
    admitUpTo = 0,
  ) {
    this.allowed = new Set(allowed);
    this.limit = this.allowed.size + admitUpTo;
  }

  value(raw: string | undefined | null): string {
    if (raw === undefined || raw === null) return this.fallback;
    if (this.allowed.has(raw)) return raw;
    if (this.allowed.size < this.limit && raw !== this.fallback) {
      this.allowed.add(raw);
      return raw;
    }
    return this.fallback;
  }

  /** Adds values to the closed set (e.g. models discovered after boot). */
  allow(values: Iterable<string>): void {
    for (const value of values) {
      if (!this.allowed.has(value)) {
        this.allowed.add(value);
        this.limit = Math.max(this.limit, this.allowed.size);
      }
    }
  }

  get values(): string[] {
    return [...this.allowed, this.fallback];
  }
}
