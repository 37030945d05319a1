/**
 * A FIFO with a hard bound: when full, the oldest item is dropped to make room, because the
 * newest events describe the state an operator is looking at. Dropped items are counted by
 * the caller from the return values.
 */
export class BoundedBuffer<T> {
  private items: T[] = [];
  private head = 0;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Adds an item; returns how many old items were dropped to fit it (0 or 1). */
  push(item: T): number {
    this.items.push(item);
    if (this.size <= this.limit) return 0;
    this.head++;
    this.compact();
    return 1;
  }

  /** Removes and returns up to `count` of the oldest items. */
  take(count: number): T[] {
    const batch = this.items.slice(this.head, this.head + count);
    this.head += batch.length;
    this.compact();
    return batch;
  }

  /** Puts a batch that could not be delivered back in front; returns how many no longer fit. */
  putBack(batch: readonly T[]): number {
    const room = Math.max(0, this.limit - this.size);
    const kept = batch.length <= room ? batch : batch.slice(batch.length - room);
    this.items = [...kept, ...this.items.slice(this.head)];
    this.head = 0;
    return batch.length - kept.length;
  }

  private compact(): void {
    // amortised O(1): copy only when the dead prefix outgrows the live part
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
