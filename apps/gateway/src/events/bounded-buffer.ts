/**
 * A FIFO with hard bounds on its item count and on its bytes (as `sizeOf` estimates them): when
 * either is exceeded, the oldest items are dropped to make room, because the newest events
 * describe the state an operator is looking at. Dropped items are counted by the caller from
 * the return values.
 */
export class BoundedBuffer<T> {
  private items: T[] = [];
  private sizes: number[] = [];
  private head = 0;
  private heldBytes = 0;

  constructor(
    readonly limit: number,
    readonly limitBytes = Number.POSITIVE_INFINITY,
    private readonly sizeOf: (item: T) => number = () => 0,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Estimated bytes of the items held. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Adds an item; returns how many old items were dropped to fit it (an item over limitBytes alone drops itself too). */
  push(item: T): number {
    const bytes = this.sizeOf(item);
    this.items.push(item);
    this.sizes.push(bytes);
    this.heldBytes += bytes;
    let dropped = 0;
    while (this.size > 0 && (this.size > this.limit || this.heldBytes > this.limitBytes)) {
      this.heldBytes -= this.sizes[this.head]!;
      this.head++;
      dropped++;
    }
    this.compact();
    return dropped;
  }

  /** Removes and returns up to `count` of the oldest items. */
  take(count: number): T[] {
    const batch = this.items.slice(this.head, this.head + count);
    for (let i = this.head; i < this.head + batch.length; i++) this.heldBytes -= this.sizes[i]!;
    this.head += batch.length;
    this.compact();
    return batch;
  }

  /** Puts a batch that could not be delivered back in front; returns how many no longer fit (the oldest of it go first). */
  putBack(batch: readonly T[]): number {
    let room = Math.max(0, this.limit - this.size);
    let roomBytes = this.limitBytes - this.heldBytes;
    let first = batch.length;
    const keptSizes: number[] = [];
    while (first > 0 && room > 0) {
      const bytes = this.sizeOf(batch[first - 1]!);
      if (bytes > roomBytes) break;
      first--;
      room--;
      roomBytes -= bytes;
      keptSizes.unshift(bytes);
    }
    this.items = [...batch.slice(first), ...this.items.slice(this.head)];
    this.sizes = [...keptSizes, ...this.sizes.slice(this.head)];
    this.head = 0;
    for (const bytes of keptSizes) this.heldBytes += bytes;
    return first;
  }

  private compact(): void {
    // amortised O(1): copy only when the dead prefix outgrows the live part
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
