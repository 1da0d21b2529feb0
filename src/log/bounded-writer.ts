// One writer per console destination: a FIFO of buffers of whole formatted
// lines (one buffer per chunk a service wrote, or per dinit event) in front
// of a Sink, with at most one write in flight. This is what keeps the two
// promises of SPEC §6 together:
//  - never interleaved mid-line: only whole lines are queued, batches are cut
//    between lines, and only this writer writes to its destination (stdout and
//    stderr share one writer when they are the same file, e.g. `2>&1`);
//  - never blocking, bounded: when the reader is slower than the services, the
//    queue fills to `maxBytes` and further lines are dropped (tail drop, so
//    what does arrive stays in order: of a buffer that does not fit, the
//    whole lines that do are kept) and counted per source. dinit's own
//    lines may use a small reserve above the limit so its events survive a
//    flood. Once writes complete again, the drop counts are handed to
//    `onDrops` (the hub prints the notice) — at the latest when the queue is
//    half empty, or every second while a flood keeps it full.
//  - no loss while the reader keeps up: readers of services' pipes ask
//    `hasRoom()` and pause (so the service waits on its own pipe, as it
//    would without dinit) until `onRoom` says the queue is down to a quarter.
//    Only a destination that completes no write for STALL_MS counts as not
//    reading: then readers go on and lines drop, until a write completes.
// Sizes are bytes. Every line ends in "\n" and holds no other "\n", so lines
// are counted by their newlines (only when some are dropped).

import type { Sink } from './sink.js';

export interface BoundedWriterOptions {
  maxBytes: number;
  /** Extra room for priority lines (dinit's own messages). */
  reserveBytes: number;
  /** Called with the lines dropped per source since the last call. */
  onDrops: (drops: Map<string, number>) => void;
  /** Called with the buffers of each write once the sink is done with them (written or failed). */
  onWritten?: (parts: Buffer[]) => void;
  now: () => number;
}

const BATCH_BYTES = 256 * 1024;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

/** Newlines in buf[from, to). */
function countLines(buf: Buffer, from = 0, to = buf.length): number {
  let n = 0;
  for (let i = buf.indexOf(LF, from); i !== -1 && i < to; i = buf.indexOf(LF, i + 1)) n++;
  return n;
}
const NOTICE_EVERY_MS = 1000;
const STALL_MS = 1000;

export class BoundedWriter {
  private queue: Buffer[] = [];
  private head = 0;
  private queued = 0;
  private inFlight = false;
  private scheduled = false;
  private dead = false;
  private readonly pendingDrops = new Map<string, number>();
  private lastNotice = 0;
  private idleWaiters: (() => void)[] = [];
  private roomWaiters: (() => void)[] = [];
  private stallTimer: NodeJS.Timeout | null = null;
  private stalled = false;
  /** Whether the sink lets go of a buffer once its write is done (so the buffer may be reused). */
  get sinkReleases(): boolean {
    return this.sink.kind !== 'stream';
  }

  /** Largest queue size seen (for tests and diagnostics). */
  peakBytes = 0;

  constructor(
    private readonly sink: Sink,
    private readonly opts: BoundedWriterOptions,
  ) {}

  /**
   * Queue one or more whole lines (each ending in \n; the caller must not
   * change the buffer afterwards). Returns how many lines were dropped: 0
   * when all were queued.
   */
  push(source: string, data: Buffer | string, priority = false): number {
    let buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (buf.length === 0) return 0;
    if (this.dead) return countLines(buf);
    const limit = this.opts.maxBytes + (priority ? this.opts.reserveBytes : 0);
    let dropped = 0;
    if (this.queued + buf.length > limit) {
      // Keep the whole lines that fit; drop the rest.
      const room = limit - this.queued;
      const cut = room > 0 ? buf.lastIndexOf(LF, room - 1) + 1 : 0;
      dropped = countLines(buf, cut);
      this.pendingDrops.set(source, (this.pendingDrops.get(source) ?? 0) + dropped);
      if (cut === 0) return dropped;
      buf = buf.subarray(0, cut);
    }
    this.queue.push(buf);
    this.queued += buf.length;
    if (this.queued > this.peakBytes) this.peakBytes = this.queued;
    if (!this.inFlight && !this.scheduled) {
      // Let the current burst of lines (one 'data' event) queue up: one write.
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.pump();
      });
    }
    return dropped;
  }

  /** Bytes of ordinary lines that can be queued now (so a caller need not format what would be dropped). */
  get room(): number {
    return this.dead ? 0 : Math.max(0, this.opts.maxBytes - this.queued);
  }

  /** Count `lines` from `source` as dropped, unformatted (the caller saw too little `room`). */
  drop(source: string, lines: number): void {
    if (!this.dead && lines > 0) this.pendingDrops.set(source, (this.pendingDrops.get(source) ?? 0) + lines);
  }

  /** Whether a reader should take in more now (false: pause until `onRoom`). */
  hasRoom(): boolean {
    return this.dead || this.stalled || this.queued * 2 < this.opts.maxBytes;
  }

  /** Call `cb` once the queue is down to a quarter, the writer died, or it stalled. */
  onRoom(cb: () => void): void {
    if (this.hasRoom() && this.queued * 4 <= this.opts.maxBytes) {
      queueMicrotask(cb);
      return;
    }
    this.roomWaiters.push(cb);
    this.armStall();
  }

  private armStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null;
      this.stalled = true;
      this.wakeRoom();
    }, STALL_MS);
    this.stallTimer.unref();
  }

  private wakeRoom(): void {
    if (this.stallTimer) {
      clearTimeout(this.stallTimer);
      this.stallTimer = null;
    }
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }

  get queuedBytes(): number {
    return this.queued;
  }

  /** Resolves when everything queued has been handed to the destination (or it died). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.wakeRoom();
    this.sink.close();
  }

  private isIdle(): boolean {
    return this.dead || (!this.inFlight && !this.scheduled && this.queued === 0);
  }

  private pump(): void {
    if (this.inFlight || this.dead) return;
    if (this.queued === 0) {
      this.settle();
      return;
    }
    // Everything queued, up to a batch, goes out in one write (a writev: the
    // buffers are not copied together).
    const parts: Buffer[] = [];
    let size = 0;
    while (this.head < this.queue.length) {
      const b = this.queue[this.head]!;
      if (size > 0 && size + b.length > BATCH_BYTES) break;
      this.queue[this.head++] = EMPTY; // do not keep a written chunk alive
      parts.push(b);
      size += b.length;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.inFlight = true;
    this.sink.write(parts, (err) => {
      this.inFlight = false;
      this.opts.onWritten?.(parts);
      this.queued -= size;
      if (err) {
        // Nobody can read us any more (EPIPE, closed fd): discard, quietly.
        this.dead = true;
        this.queue = [];
        this.head = 0;
        this.queued = 0;
        this.wakeRoom();
        this.settle();
        return;
      }
      this.stalled = false;
      if (this.roomWaiters.length) {
        if (this.queued * 4 <= this.opts.maxBytes) this.wakeRoom();
        else this.armStall();
      }
      this.maybeReportDrops();
      this.pump();
    });
  }

  private maybeReportDrops(): void {
    if (this.pendingDrops.size === 0) return;
    const now = this.opts.now();
    if (this.queued * 2 > this.opts.maxBytes && now - this.lastNotice < NOTICE_EVERY_MS) return;
    this.lastNotice = now;
    const drops = new Map(this.pendingDrops);
    this.pendingDrops.clear();
    this.opts.onDrops(drops);
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
