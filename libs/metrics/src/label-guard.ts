/**
 * Keeps a label to a closed set: values outside the configured set collapse into one fallback,
 * so a request naming a million made-up models still adds at most one series.
 */
export class LabelGuard {
  private readonly allowed: Set<string>;

  constructor(
    allowed: Iterable<string>,
    readonly fallback = 'unknown',
  ) {
    this.allowed = new Set(allowed);
  }

  value(raw: string | undefined | null): string {
    return raw !== undefined && raw !== null && this.allowed.has(raw) ? raw : this.fallback;
  }

  /**
   * Adds values to the closed set: models learned after boot (discovered from an upstream), each
   * set bounded by whoever calls this.
   */
  allow(values: Iterable<string>): void {
    for (const value of values) if (value !== this.fallback) this.allowed.add(value);
  }

  get values(): string[] {
    return [...this.allowed, this.fallback];
  }
}
