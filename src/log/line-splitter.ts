// Turns a byte stream into lines. A child's output arrives in arbitrary chunks:
// a line may be split across chunks, a chunk may hold hundreds of lines, and a
// program may never print a newline at all. We keep only the unfinished tail of
// the stream (as Buffers, so a multi-byte character cut by a chunk boundary is
// decoded whole), and bound it: once the tail exceeds `maxLineBytes` without a
// newline, it is emitted as a line of its own (cut on a UTF-8 character
// boundary) instead of being buffered forever. CRLF endings lose their CR;
// invalid UTF-8 decodes to U+FFFD rather than failing. `end()` flushes a
// partial last line. `readLines` drives a splitter from a child's stream,
// sharing a per-turn TurnBudget with the other streams so that a flood of
// output cannot monopolise the event loop.

import type { Readable } from 'node:stream';

/** Lines longer than this (in bytes, without newline) are split into chunks. */
export const MAX_LINE_BYTES = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes: number = MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (;;) {
      const lf = buf.indexOf(LF, start);
      if (lf === -1) break;
      const piece = buf.subarray(start, lf);
      if (this.pendingBytes > 0) {
        this.pending.push(piece);
        this.emit(this.takePending(), true);
      } else {
        this.emit(piece, true);
      }
      start = lf + 1;
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxLineBytes) this.cutOverlong();
    }
  }

  /** The stream ended: emit what is left as a last line (no newline needed). */
  end(): void {
    if (this.pendingBytes > 0) this.emit(this.takePending(), true);
  }

  private takePending(): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return all;
  }

  /** Emit whole chunks of an unterminated tail that grew past the limit; keep the remainder. */
  private cutOverlong(): void {
    let all = this.takePending();
    while (all.length > this.maxLineBytes) {
      const cut = utf8Boundary(all, this.maxLineBytes);
      this.emit(all.subarray(0, cut), false);
      all = all.subarray(cut);
    }
    if (all.length > 0) {
      this.pending.push(all);
      this.pendingBytes = all.length;
    }
  }

  /** `complete`: the bytes end a line (strip a CR); else it is a chunk of an overlong line. */
  private emit(line: Buffer, complete: boolean): void {
    // A complete line can exceed the limit when a long tail met its newline.
    while (line.length > this.maxLineBytes) {
      const cut = utf8Boundary(line, this.maxLineBytes);
      this.onLine(line.subarray(0, cut).toString('utf8'));
      line = line.subarray(cut);
    }
    const end = complete && line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
    this.onLine(line.toString('utf8', 0, end));
  }
}

/**
 * The largest index ≤ max where a UTF-8 character starts, so a cut never splits
 * a character. Gives up after 3 continuation bytes (invalid data) and cuts at max.
 */
export function utf8Boundary(buf: Buffer, max: number): number {
  for (let i = max, steps = 0; i > 0 && steps < 4; i--, steps++) {
    const b = buf[i];
    if (b === undefined || (b & 0xc0) !== 0x80) return i;
  }
  return max;
}

/**
 * How much output all readers together may take in per event-loop turn.
 * libuv reads a ready pipe up to 32 × 64 KiB in one go, and a few services
 * flooding at once would keep the loop busy for 100 ms and more turning that
 * into lines; past the budget, readers pause until the next turn, so timers
 * (stop-timeouts, probes) and the control socket get their turn in between.
 */
export class TurnBudget {
  private left: number;
  private waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly perTurn: number = 256 * 1024) {
    this.left = perTurn;
  }

  /** Count `bytes`; true when the turn's budget is spent: pause, `resume` is called next turn. */
  spend(bytes: number, resume: () => void): boolean {
    this.left -= bytes;
    if (this.left > 0) return false;
    this.waiting.push(resume);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.left = this.perTurn;
        const waiting = this.waiting;
        this.waiting = [];
        for (const w of waiting) w();
      });
    }
    return true;
  }
}

/** Where the lines go, if it can push back: pause while it has no room. */
export interface ReadGate {
  hasRoom(): boolean;
  onRoom(cb: () => void): void;
}

/**
 * Read a stream to its end as fast as the budget and the gate allow (the gate
 * is the console writer: a reader that keeps up slows the service down to its
 * pace, one that stalls does not), calling `onLine` for each line; resolves after
 * the partial last line was flushed. An error ends the stream like 'end' does.
 */
export function readLines(r: Readable, onLine: (line: string) => void, budget?: TurnBudget, gate?: ReadGate): Promise<void> {
  return new Promise((resolve) => {
    const splitter = new LineSplitter(onLine);
    let finished = false;
    const resume = (): void => {
      if (!finished) r.resume();
    };
    const onData = (chunk: Buffer | string): void => {
      splitter.push(chunk);
      if (gate && !gate.hasRoom()) {
        r.pause();
        gate.onRoom(resume);
      } else if (budget?.spend(chunk.length, resume)) r.pause();
    };
    const finish = (): void => {
      if (finished) return;
      finished = true;
      r.removeListener('data', onData);
      r.removeListener('end', finish);
      r.removeListener('close', finish);
      r.removeListener('error', finish);
      splitter.end();
      resolve();
    };
    r.on('data', onData);
    r.once('end', finish);
    r.once('close', finish);
    r.once('error', finish);
    // Attached too late to see the end: nothing more will come.
    if (r.readableEnded || r.destroyed) queueMicrotask(finish);
  });
}
