// Memory for console output that is used over and over. The hub formats each
// block of a service's lines into a new buffer, and the console writer lets
// go of it once written: in a flood that is hundreds of MB a second of
// short-lived memory outside the JS heap, which the GC only collects once
// 64 MB of it has piled up (and fresh pages cost a page fault each). Since
// the writer writes in the order it queues, that memory can instead come from
// one ring: buffers are taken at its tail and given back, in the same order,
// from its head. A buffer that does not fit (a huge chunk, or while the ring
// is full) is left to the caller to allocate.

export class Arena {
  private mem: Buffer | null = null;
  /** Bytes in use: [head, tail), or when wrapped [head, end) and [0, tail). */
  private head = 0;
  private tail = 0;
  private end = 0;
  private wrapped = false;
  /** Buffers handed out and not yet given back. */
  private out = 0;

  constructor(private readonly size: number) {}

  /** `len` bytes of the ring (contents undefined), or null: allocate it yourself. */
  take(len: number): Buffer | null {
    if (len > this.size / 4 || len === 0) return null;
    this.mem ??= Buffer.allocUnsafeSlow(this.size);
    let at: number;
    if (!this.wrapped) {
      if (this.size - this.tail >= len) {
        at = this.tail;
      } else if (this.head >= len) {
        this.wrapped = true;
        this.end = this.tail;
        at = 0;
      } else {
        return null;
      }
    } else if (this.head - this.tail >= len) {
      at = this.tail;
    } else {
      return null;
    }
    this.tail = at + len;
    this.out++;
    return this.mem.subarray(at, at + len);
  }

  /** Whether `b` is (part of) a buffer this arena handed out. */
  owns(b: Buffer): boolean {
    return this.mem !== null && b.buffer === this.mem.buffer;
  }

  /**
   * Give back a buffer taken from the ring (or the front part of one), in
   * the order they were taken: the ring is free again up to its end.
   */
  release(b: Buffer): void {
    const e = b.byteOffset - this.mem!.byteOffset + b.length;
    if (this.wrapped && e <= this.tail && b.byteOffset - this.mem!.byteOffset < this.head) this.wrapped = false;
    this.head = e;
    if (this.wrapped && this.head >= this.end) {
      this.wrapped = false;
      this.head = 0;
    }
    if (--this.out === 0) this.reset();
  }

  /** A buffer taken but never used (nothing of it was queued): only no longer counted. */
  abandon(): void {
    if (--this.out === 0) this.reset();
  }

  /** Nothing taken is in use any more. */
  reset(): void {
    this.head = 0;
    this.tail = 0;
    this.end = 0;
    this.wrapped = false;
    this.out = 0;
  }
}
