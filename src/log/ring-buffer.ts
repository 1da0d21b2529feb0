// The last `log.buffer` lines of a service (or of dinit's own events), kept
// for `dinit logs`. Bounded twice — by line count (what the user configured)
// and by total size, so a service printing 64 KiB lines cannot make 1000
// lines cost 64 MiB.
//
// Lines are stored the way they arrive, lazily: an entry is either a block of
// whole lines exactly as a service wrote them in one chunk (split into text
// only when someone asks, with the same rules as everywhere: forEachLine) or
// one line of text. Lines are numbered as they arrive across the whole hub
// (`seq`), which orders `dinit logs` across services exactly; a block's lines
// are numbered consecutively from its `seq`. Nothing is allocated until the
// first line comes.

import type { LogLine } from '../control/target.js';
import { forEachLine } from './line-splitter.js';

export interface RingEntry {
  /** Number of the entry's first line. */
  seq: number;
  /** Lines in the entry. */
  n: number;
  time: number;
  service: string;
  stream: LogLine['stream'];
  /** A block of whole lines, each ending in "\n", that forEachLine turns into exactly `n` lines… */
  bytes: Buffer | null;
  /** …or, when `bytes` is null, the one line. */
  line: string;
}

/** A line with its arrival number. */
export interface NumberedLine {
  seq: number;
  l: LogLine;
}

/** Rough cost of an entry beyond its text, for the size bound. */
const ENTRY_OVERHEAD = 64;

const sizeOf = (e: RingEntry): number => (e.bytes ? e.bytes.length : e.line.length) + ENTRY_OVERHEAD;

export class LineRing {
  private entries: RingEntry[] = [];
  private head = 0;
  /** Lines of the first entry that no longer count (the count bound cut into it). */
  private skip = 0;
  private count = 0;
  private bytes = 0;

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
    this.entries.push(e);
    this.count += e.n;
    this.bytes += sizeOf(e);
    this.trim();
  }

  /** The newest `n` lines (all if n ≥ length), oldest first. */
  last(n: number = this.count): NumberedLine[] {
    let want = Math.max(0, Math.min(n, this.count));
    const parts: NumberedLine[][] = [];
    for (let i = this.entries.length - 1; i >= this.head && want > 0; i--) {
      const e = this.entries[i]!;
      const lines = expand(e);
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
    this.trim();
  }

  private trim(): void {
    while (this.head < this.entries.length) {
      const first = this.entries[this.head]!;
      const firstLines = first.n - this.skip;
      const over = this.count - this.capacity;
      const tooBig = this.bytes > this.maxBytes && this.head < this.entries.length - 1;
      if (over >= firstLines || tooBig) {
        this.count -= firstLines;
        this.bytes -= sizeOf(first);
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
    } else if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

function expand(e: RingEntry): NumberedLine[] {
  const { seq, time, service, stream } = e;
  if (!e.bytes) return [{ seq, l: { time, service, stream, line: e.line } }];
  const out: NumberedLine[] = [];
  forEachLine(e.bytes, (line) => out.push({ seq: seq + out.length, l: { time, service, stream, line } }));
  return out;
}
