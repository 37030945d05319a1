/**
 * Keeps a label to a closed set: values outside the configured set collapse into one fallback,
 * so a request naming a million made-up models still adds at most one series.
 */
export class LabelGuard {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    allowed: Iterable<string>,
    readonly fallback = 'unknown',
  ) {
    this.allowed = new Set(allowed);
  }

  value(raw: string | undefined | null): string {
    return raw !== undefined && raw !== null && this.allowed.has(raw) ? raw : this.fallback;
  }

  get values(): string[] {
    return [...this.allowed, this.fallback];
  }
}
