// A fixed-capacity FIFO that forgets its oldest items: the last `log.buffer`
// lines of a service, kept for `dinit logs`. Bounded twice — by item count
// (what the user configured) and by total size, so a service printing 64 KiB
// lines cannot make 1000 lines cost 64 MiB.

export class RingBuffer<T> {
  private items: (T | undefined)[];
  private start = 0;
  private count = 0;
  private bytes = 0;

  constructor(
    private capacity: number,
    private readonly maxBytes: number,
    private readonly sizeOf: (item: T) => number,
  ) {
    this.items = new Array<T | undefined>(Math.max(0, capacity));
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.capacity <= 0) return;
    const size = this.sizeOf(item);
    while (this.count > 0 && (this.count >= this.capacity || this.bytes + size > this.maxBytes)) this.dropOldest();
    this.items[(this.start + this.count) % this.capacity] = item;
    this.count++;
    this.bytes += size;
  }

  /** The newest `n` items (all if n ≥ length), oldest first. */
  last(n: number = this.count): T[] {
    const k = Math.max(0, Math.min(n, this.count));
    const out: T[] = [];
    for (let i = this.count - k; i < this.count; i++) out.push(this.items[(this.start + i) % this.capacity]!);
    return out;
  }

  /** Change the capacity, keeping the newest items that still fit. */
  resize(capacity: number): void {
    const keep = this.last(Math.max(0, capacity));
    this.capacity = Math.max(0, capacity);
    this.items = new Array<T | undefined>(this.capacity);
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
    for (const item of keep) this.push(item);
  }

  private dropOldest(): void {
    const item = this.items[this.start];
    this.items[this.start] = undefined;
    if (item !== undefined) this.bytes -= this.sizeOf(item);
    this.start = (this.start + 1) % this.capacity;
    this.count--;
  }
}
