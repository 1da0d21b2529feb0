// One writer per console destination: a FIFO of whole formatted lines in front
// of a Sink, with at most one write in flight. This is what keeps the two
// promises of SPEC §6 together:
//  - never interleaved mid-line: only whole lines are queued, batches are cut
//    between lines, and only this writer writes to its destination (stdout and
//    stderr share one writer when they are the same file, e.g. `2>&1`);
//  - never blocking, bounded: when the reader is slower than the services, the
//    queue fills to `maxBytes` and further lines are dropped (tail drop, so
//    what does arrive stays in order) and counted per source. dinit's own
//    lines may use a small reserve above the limit so its events survive a
//    flood. Once writes complete again, the drop counts are handed to
//    `onDrops` (the hub prints the notice) — at the latest when the queue is
//    half empty, or every second while a flood keeps it full.
//  - no loss while the reader keeps up: readers of services' pipes ask
//    `hasRoom()` and pause (so the service waits on its own pipe, as it
//    would without dinit) until `onRoom` says the queue is down to a quarter.
//    Only a destination that completes no write for STALL_MS counts as not
//    reading: then readers go on and lines drop, until a write completes.
// Sizes are measured in UTF-16 units of the queued strings: cheap, and within a
// small factor of the bytes they hold, which is all a memory bound needs.

import type { Sink } from './sink.js';

export interface BoundedWriterOptions {
  maxBytes: number;
  /** Extra room for priority lines (dinit's own messages). */
  reserveBytes: number;
  /** Called with the lines dropped per source since the last call. */
  onDrops: (drops: Map<string, number>) => void;
  now: () => number;
}

const BATCH_BYTES = 64 * 1024;
const NOTICE_EVERY_MS = 1000;
const STALL_MS = 1000;

export class BoundedWriter {
  private queue: string[] = [];
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
  /** Largest queue size seen (for tests and diagnostics). */
  peakBytes = 0;

  constructor(
    private readonly sink: Sink,
    private readonly opts: BoundedWriterOptions,
  ) {}

  /** Queue one or more whole lines (each ending in \n). false: dropped. */
  push(source: string, text: string, priority = false): boolean {
    if (this.dead) return false;
    const limit = this.opts.maxBytes + (priority ? this.opts.reserveBytes : 0);
    if (this.queued + text.length > limit) {
      this.pendingDrops.set(source, (this.pendingDrops.get(source) ?? 0) + 1);
      return false;
    }
    this.queue.push(text);
    this.queued += text.length;
    if (this.queued > this.peakBytes) this.peakBytes = this.queued;
    if (!this.inFlight && !this.scheduled) {
      // Let the current burst of lines (one 'data' event) queue up: one write.
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.pump();
      });
    }
    return true;
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
    const parts: string[] = [];
    let size = 0;
    while (this.head < this.queue.length && (size === 0 || size < BATCH_BYTES)) {
      const s = this.queue[this.head++]!;
      parts.push(s);
      size += s.length;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.inFlight = true;
    this.sink.write(Buffer.from(parts.join(''), 'utf8'), (err) => {
      this.inFlight = false;
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
