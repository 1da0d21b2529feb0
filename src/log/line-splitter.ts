// Turns a byte stream into lines. A child's output arrives in arbitrary chunks:
// a line may be split across chunks, a chunk may hold hundreds of lines, and a
// program may never print a newline at all.
//
// The hot path works on whole chunks, never on single lines: a LineFramer
// hands on each chunk's run of complete lines as ONE buffer (a view of the
// chunk, no copy), and keeps only the unfinished tail of the stream (as
// Buffers, so a multi-byte character cut by a chunk boundary is decoded
// whole). The tail is bounded: once it exceeds `maxLineBytes` without a
// newline, it is handed on as a piece — a line of its own, cut on a UTF-8
// character boundary — instead of being buffered forever. `end()` flushes a
// partial last line as if it had its newline.
//
// Who needs text (probes, followers, JSON, `dinit logs`) turns a block into
// lines with `forEachLine`, which applies the line rules: CRLF endings lose
// their CR, lines longer than the limit are cut into several, invalid UTF-8
// decodes to U+FFFD. LineSplitter is the two together: bytes in, strings out.
// `readInto` drives a framer from a child's stream, sharing a per-turn
// TurnBudget with the other streams so that a flood of output cannot
// monopolise the event loop.

import type { Readable } from 'node:stream';

/** Lines longer than this (in bytes, without newline) are split into chunks. */
export const MAX_LINE_BYTES = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;
/** libuv reads a pipe 64 KiB at a time: a read that size found (probably) more waiting. */
const BUSY_READ_BYTES = 64 * 1024;
const NEWLINE = Buffer.from('\n');

/** Where a LineFramer delivers. */
export interface FrameSink {
  /**
   * One or more whole lines, each ending in LF, exactly as written (CRs,
   * overlong lines, bad UTF-8 included). `transient`: the bytes are only
   * valid during the call (a reused read buffer): copy what you keep.
   */
  lines(block: Buffer, transient: boolean): void;
  /** A cut (≤ the limit) of a line that grew past the limit without a newline: a line of its own, as is. */
  piece(bytes: Buffer): void;
}

export class LineFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxLineBytes: number = MAX_LINE_BYTES,
  ) {}

  /** A chunk of the stream; `transient`: it is only valid during the call (a reused read buffer). */
  push(chunk: Buffer | string, transient = false): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    if (this.pendingBytes > 0) {
      const lf = buf.indexOf(LF);
      if (lf === -1) {
        this.hold(buf, transient);
        return;
      }
      this.pending.push(buf.subarray(0, lf + 1));
      this.sink.lines(Buffer.concat(this.pending), false);
      this.pending = [];
      this.pendingBytes = 0;
      start = lf + 1;
    }
    const last = buf.lastIndexOf(LF);
    if (last >= start) {
      this.sink.lines(start === 0 && last === buf.length - 1 ? buf : buf.subarray(start, last + 1), transient);
      start = last + 1;
    }
    if (start < buf.length) this.hold(start === 0 ? buf : buf.subarray(start), transient);
  }

  /** The stream ended: a partial last line goes out as if it had its newline. */
  end(): void {
    if (this.pendingBytes === 0) return;
    this.pending.push(NEWLINE);
    this.sink.lines(this.takePending(), false);
  }

  private hold(rest: Buffer, transient: boolean): void {
    this.pending.push(transient ? Buffer.from(rest) : rest);
    this.pendingBytes += rest.length;
    if (this.pendingBytes > this.maxLineBytes) this.cutOverlong();
  }

  private takePending(): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return all;
  }

  /** Hand on whole cuts of an unterminated tail that grew past the limit; keep the remainder. */
  private cutOverlong(): void {
    let all = this.takePending();
    while (all.length > this.maxLineBytes) {
      const cut = utf8Boundary(all, this.maxLineBytes);
      this.sink.piece(all.subarray(0, cut));
      all = all.subarray(cut);
    }
    if (all.length > 0) {
      this.pending.push(all);
      this.pendingBytes = all.length;
    }
  }
}

/**
 * Each line of a block of whole lines (as a LineFramer delivers them), as
 * text: a CR before the newline dropped, a line over `max` bytes cut into
 * several on character boundaries, invalid UTF-8 as U+FFFD.
 */
export function forEachLine(block: Buffer, cb: (line: string) => void, max: number = MAX_LINE_BYTES): void {
  let start = 0;
  for (let lf = block.indexOf(LF); lf !== -1; lf = block.indexOf(LF, start)) {
    let s = start;
    while (lf - s > max) {
      const cut = s + utf8Boundary(block.subarray(s, lf), max);
      cb(block.toString('utf8', s, cut));
      s = cut;
    }
    cb(block.toString('utf8', s, lf > s && block[lf - 1] === CR ? lf - 1 : lf));
    start = lf + 1;
  }
}

/** Bytes in, lines out: a LineFramer whose blocks and pieces become strings. */
export class LineSplitter {
  private readonly framer: LineFramer;

  constructor(onLine: (line: string) => void, maxLineBytes: number = MAX_LINE_BYTES) {
    this.framer = new LineFramer(
      {
        lines: (block) => forEachLine(block, onLine, maxLineBytes),
        piece: (bytes) => onLine(bytes.toString('utf8')),
      },
      maxLineBytes,
    );
  }

  push(chunk: Buffer | string): void {
    this.framer.push(chunk);
  }

  /** The stream ended: emit what is left as a last line (no newline needed). */
  end(): void {
    this.framer.end();
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

/** What `readInto` feeds: a LineFramer or a LineSplitter. */
export interface ChunkTarget {
  /** `transient`: the chunk is only valid during the call (a reused read buffer). */
  push(chunk: Buffer | string, transient?: boolean): void;
  end(): void;
  /** After a chunk of `bytes`: ms to let the stream fill before reading on (0: read on). */
  wait?(bytes: number): number;
}

/**
 * Read a stream to its end as fast as the budget and the gate allow (the gate
 * is the console writer: a reader that keeps up slows the service down to its
 * pace, one that stalls does not) and the target wants, pushing each chunk
 * into `target`; resolves after `target.end()` (the partial last line
 * flushed). An error ends the stream like 'end' does. Once the stream has
 * more than one chunk to give (or a full read), `handOver` may take the rest
 * of it over: it returns the promise of reading the rest into the same
 * target, or null to go on here.
 */
export function readInto(r: Readable, target: ChunkTarget, budget?: TurnBudget, gate?: ReadGate, handOver?: () => Promise<void> | null): Promise<void> {
  return new Promise((resolve) => {
    let finished = false;
    let chunks = 0;
    const resume = (): void => {
      if (!finished) r.resume();
    };
    const onData = (chunk: Buffer | string): void => {
      target.push(chunk);
      // Waiting and handing over only once what the stream buffered is taken in.
      const drained = r.readableLength === 0;
      const ms = drained ? (target.wait?.(chunk.length) ?? 0) : 0;
      if (drained && handOver && (++chunks > 1 || chunk.length >= BUSY_READ_BYTES)) {
        const rest = handOver();
        if (rest) {
          detach();
          void rest.then(resolve);
          return;
        }
      }
      if (gate && !gate.hasRoom()) {
        r.pause();
        gate.onRoom(resume);
      } else if (budget?.spend(chunk.length, resume)) {
        r.pause();
      } else if (ms > 0) {
        r.pause();
        setTimeout(resume, ms);
      }
    };
    const detach = (): void => {
      finished = true;
      r.removeListener('data', onData);
      r.removeListener('end', finish);
      r.removeListener('close', finish);
      r.removeListener('error', finish);
    };
    const finish = (): void => {
      if (finished) return;
      detach();
      target.end();
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
