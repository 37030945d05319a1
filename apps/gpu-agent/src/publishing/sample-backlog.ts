/**
 * Samples waiting for Redis, oldest first, with a hard bound: when full the oldest is dropped,
 * because recent GPU time matters more to the operator looking at it now. Callers count drops
 * from the return values.
 */
export class SampleBacklog<T> {
  private items: T[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  get size(): number {
    return this.items.length;
  }

  /** Adds an item; returns how many old items were dropped to make room (0 or 1). */
  push(item: T): number {
    this.items.push(item);
    if (this.items.length <= this.limit) return 0;
    this.items.shift();
    return 1;
  }

  /** The oldest `count` items, still held until `remove` says they were delivered. */
  peek(count: number): T[] {
    return this.items.slice(0, count);
  }

  /** Forgets the oldest `count` items (delivered). */
  remove(count: number): void {
    this.items.splice(0, count);
  }

  /** Empties the backlog; returns how many items it held. */
  clear(): number {
    const count = this.items.length;
    this.items = [];
    return count;
  }
}
