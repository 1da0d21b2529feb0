// The last `log.buffer` lines of a service (or of dinit's own events), kept
// for `dinit logs`. Bounded twice — by line count (what the user configured)
// and by total size, so a service printing 64 KiB lines cannot make 1000
// lines cost 64 MiB.
//
// Lines are stored the way they arrive, lazily: an entry is either a block of
// whole lines exactly as a service wrote them in one chunk (split into text
// only when someone asks, with the same rules as everywhere: forEachLine) or
// one line of text. Blocks are copied into one circular byte store per ring,
// allocated on the first block and grown (doubling, up to the size bound) only
// while the lines to keep do not fit: a flood through the ring allocates
// nothing, so it leaves no garbage behind for the GC to find late (a fresh
// Buffer per block made dinit's RSS grow by tens of MB during a flood).
// Lines are numbered as they arrive across the whole hub (`seq`), which
// orders `dinit logs` across services exactly; a block's lines are numbered
// consecutively from its `seq`.

import type { LogLine } from '../types.js';
import { forEachLine } from './line-splitter.js';

export interface RingEntry {
  /** Number of the entry's first line. */
  seq: number;
  /** Lines in the entry. */
  n: number;
  time: number;
  service: string;
  stream: LogLine['stream'];
  /** A block of whole lines, each ending in "\n", that forEachLine turns into exactly `n` lines (copied)… */
  bytes: Buffer | null;
  /** …or, when `bytes` is null, the one line. */
  line: string;
}

/** A line with its arrival number. */
export interface NumberedLine {
  seq: number;
  l: LogLine;
}

interface Stored {
  seq: number;
  n: number;
  time: number;
  service: string;
  stream: LogLine['stream'];
  /** The line, or null: the entry's bytes are store[off, off + len) (wrapping). */
  line: string | null;
  off: number;
  len: number;
}

/** Rough cost of a line of text kept as a string, beyond its characters. */
const LINE_OVERHEAD = 64;
/** A ring's store starts this small (most services print little) and doubles as needed. */
const FIRST_STORE_BYTES = 4 * 1024;
const LF = 0x0a;

export class LineRing {
  private entries: Stored[] = [];
  private head = 0;
  /** Lines of the first entry that no longer count (the count bound cut into it). */
  private skip = 0;
  private count = 0;
  /** Circular store of the blocks' bytes: `used` bytes from `start`. */
  private store: Buffer | null = null;
  private start = 0;
  private used = 0;
  /** Size charged for entries kept as strings. */
  private textBytes = 0;

  constructor(
    private capacity: number,
    private readonly maxBytes: number,
  ) {}

  /** Lines held. */
  get length(): number {
    return this.count;
  }

  push(e: RingEntry): void {
    if (this.capacity <= 0 || e.n <= 0) return;
    if (!e.bytes) {
      this.entries.push({ seq: e.seq, n: 1, time: e.time, service: e.service, stream: e.stream, line: e.line, off: 0, len: 0 });
      this.count += 1;
      this.textBytes += e.line.length + LINE_OVERHEAD;
      this.trim(0);
      return;
    }
    let { bytes, n, seq } = e;
    // Only the lines that can be kept: the last `capacity`, within the size bound.
    if (n > this.capacity || bytes.length > this.maxBytes) {
      let from = 0;
      let drop = Math.max(0, n - this.capacity);
      if (drop <= this.capacity) {
        for (let i = 0; i < drop; i++) from = bytes.indexOf(LF, from) + 1;
      } else {
        // Many more lines than kept: count the kept ones back from the end.
        let p = bytes.length - 1;
        for (let i = 0; i < this.capacity; i++) p = bytes.lastIndexOf(LF, p - 1);
        from = p + 1;
      }
      while (bytes.length - from > this.maxBytes && drop < n - 1) {
        from = bytes.indexOf(LF, from) + 1;
        drop++;
      }
      bytes = bytes.subarray(from);
      n -= drop;
      seq += drop;
    }
    // Room: the old lines beyond what the new ones leave of the count go first.
    this.trim(n);
    this.reserve(bytes.length);
    const store = this.store!;
    const off = (this.start + this.used) % store.length;
    const first = Math.min(bytes.length, store.length - off);
    bytes.copy(store, off, 0, first);
    if (first < bytes.length) bytes.copy(store, 0, first);
    this.used += bytes.length;
    this.entries.push({ seq, n, time: e.time, service: e.service, stream: e.stream, line: null, off, len: bytes.length });
    this.count += n;
    this.trim(0);
  }

  /** The newest `n` lines (all if n ≥ length), oldest first. */
  last(n: number = this.count): NumberedLine[] {
    let want = Math.max(0, Math.min(n, this.count));
    const parts: NumberedLine[][] = [];
    for (let i = this.entries.length - 1; i >= this.head && want > 0; i--) {
      const lines = this.expand(this.entries[i]!);
      const from = Math.max(i === this.head ? this.skip : 0, lines.length - want);
      const part = from === 0 ? lines : lines.slice(from);
      parts.push(part);
      want -= part.length;
    }
    return parts.reverse().flat();
  }

  /** Change the capacity, keeping the newest lines that still fit. */
  resize(capacity: number): void {
    this.capacity = Math.max(0, capacity);
    this.trim(0);
  }

  /** Drop old lines until `incoming` more fit the count, and the size is within bounds. */
  private trim(incoming: number): void {
    while (this.head < this.entries.length) {
      const first = this.entries[this.head]!;
      const firstLines = first.n - this.skip;
      const over = this.count + incoming - this.capacity;
      const tooBig = this.used + this.textBytes > this.maxBytes && this.head < this.entries.length - 1;
      if (over >= firstLines || tooBig) {
        this.count -= firstLines;
        this.forget(first);
        this.head++;
        this.skip = 0;
      } else {
        if (over > 0) {
          this.skip += over;
          this.count -= over;
        }
        break;
      }
    }
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
      this.start = 0;
    } else if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  private forget(e: Stored): void {
    if (e.line !== null) {
      this.textBytes -= e.line.length + LINE_OVERHEAD;
      return;
    }
    // Blocks leave the store in the order they came: the oldest bytes are at `start`.
    this.start = (this.start + e.len) % this.store!.length;
    this.used -= e.len;
  }

  /** Make room for `len` more bytes in the store: grow it (up to the bound), else drop the oldest entries. */
  private reserve(len: number): void {
    const size = this.store?.length ?? 0;
    if (size - this.used >= len) return;
    let want = Math.max(size, FIRST_STORE_BYTES);
    while (want - this.used < len && want < this.maxBytes) want *= 2;
    want = Math.min(want, Math.max(this.maxBytes, len));
    if (want > size) this.regrow(want);
    while (this.store!.length - this.used < len && this.head < this.entries.length) {
      const first = this.entries[this.head]!;
      this.count -= first.n - this.skip;
      this.forget(first);
      this.head++;
      this.skip = 0;
    }
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
      this.start = 0;
    }
  }

  /** A bigger store, the kept bytes copied to its start (in order). */
  private regrow(size: number): void {
    const next = Buffer.allocUnsafe(size);
    const old = this.store;
    if (old && this.used > 0) {
      const first = Math.min(this.used, old.length - this.start);
      old.copy(next, 0, this.start, this.start + first);
      if (first < this.used) old.copy(next, first, 0, this.used - first);
      for (let i = this.head; i < this.entries.length; i++) {
        const e = this.entries[i]!;
        if (e.line === null) e.off = (e.off - this.start + old.length) % old.length;
      }
    }
    this.store = next;
    this.start = 0;
  }

  private expand(e: Stored): NumberedLine[] {
    const { seq, time, service, stream } = e;
    if (e.line !== null) return [{ seq, l: { time, service, stream, line: e.line } }];
    const store = this.store!;
    const end = e.off + e.len;
    const bytes = end <= store.length ? store.subarray(e.off, end) : Buffer.concat([store.subarray(e.off), store.subarray(0, end - store.length)]);
    const out: NumberedLine[] = [];
    forEachLine(bytes, (line) => out.push({ seq: seq + out.length, l: { time, service, stream, line } }));
    return out;
  }
}
