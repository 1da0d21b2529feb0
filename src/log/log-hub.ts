// The LogHub is the single door between services' output and everything that
// consumes it. Each child stream goes through a LineSplitter; every resulting
// line is then, in this order: kept in the service's ring buffer (for `dinit
// logs`), handed to line probes (`ready: { log: REGEX }`) and followers
// (`dinit logs -f`), appended to the service's log file, and queued on the
// console writer for its stream. dinit's own event lines enter through
// `dinit()` and the same console writer, so nothing ever interleaves
// mid-line. Only the console side can drop lines (when nobody reads fast
// enough); buffers, probes, followers and files see every line. Lines are
// numbered as they arrive, which orders `tail()` across services exactly.
//
// A service that was never registered (or was removed while its process still
// writes) is printed with a prefix but not buffered or filed.

import type { ForegroundColorName } from 'chalk';
import type { Readable } from 'node:stream';
import type { LogLine } from '../control/target.js';
import type { LogFormat, LogSpec } from '../types.js';
import { BoundedWriter } from './bounded-writer.js';
import { ColorAssigner, detectColorLevel, makeChalk } from './color.js';
import type { ColorLevel, Destination } from './color.js';
import { consoleLine, dinitLine, fileLine } from './format.js';
import type { ConsoleStyle, FormatSettings } from './format.js';
import { readLines, TurnBudget } from './line-splitter.js';
import { RingBuffer } from './ring-buffer.js';
import { RotatingFile } from './rotating-file.js';
import { openSink, sameDestination } from './sink.js';

export interface LogHubOptions {
  /** dinit's stdout: an fd (1 in production) or a stream. */
  stdout: Destination;
  /** dinit's stderr; may be the same file as stdout (then one writer serves both). */
  stderr: Destination;
  format: LogFormat;
  timestamps: boolean;
  /** Force colour on/off; default: detect per destination (TTY, FORCE_COLOR, NO_COLOR). */
  color?: boolean;
  /** Console queue limit per destination, bytes (default 1 MiB). */
  maxQueueBytes?: number;
  /** Lines of dinit's own events kept for `dinit logs` (default 1000). */
  dinitBuffer?: number;
  now?: () => number;
}

/** The stream name dinit's own events carry in LogLine and JSON output. */
export const DINIT_SOURCE = 'dinit';

const DEFAULT_QUEUE_BYTES = 1024 * 1024;
const DINIT_RESERVE_BYTES = 64 * 1024;
/** Per-service cap on buffered bytes, on top of the configured line count. */
const RING_MAX_BYTES = 4 * 1024 * 1024;

interface Stored {
  seq: number;
  l: LogLine;
}

interface Entry {
  spec: LogSpec;
  ring: RingBuffer<Stored>;
  file: RotatingFile | null;
}

interface Out {
  writer: BoundedWriter;
  style: ConsoleStyle;
}

interface Follower {
  names: Set<string> | null;
  cb: (l: LogLine) => void;
}

const sizeOfStored = (s: Stored): number => s.l.line.length + 64;

function call<A>(fn: (a: A) => void, a: A): void {
  try {
    fn(a);
  } catch {
    /* a consumer's bug must not stop the flow of output */
  }
}

export class LogHub {
  private settings: FormatSettings;
  private readonly now: () => number;
  private readonly out: Out;
  private readonly err: Out;
  private readonly services = new Map<string, Entry>();
  private readonly colors = new ColorAssigner();
  private readonly dinitRing: RingBuffer<Stored>;
  private readonly probes = new Map<string, Set<(line: string) => void>>();
  private readonly followers = new Set<Follower>();
  private readonly drops = new Map<string, number>();
  private seq = 0;
  private readonly budget = new TurnBudget();

  constructor(opts: LogHubOptions) {
    this.settings = { format: opts.format, timestamps: opts.timestamps };
    this.now = opts.now ?? Date.now;
    this.dinitRing = new RingBuffer<Stored>(opts.dinitBuffer ?? 1000, RING_MAX_BYTES, sizeOfStored);
    const make = (dest: Destination): Out => {
      const level: ColorLevel =
        opts.color === undefined ? detectColorLevel(dest) : opts.color ? (Math.max(1, detectColorLevel(dest)) as ColorLevel) : 0;
      const writer = new BoundedWriter(openSink(dest), {
        maxBytes: opts.maxQueueBytes ?? DEFAULT_QUEUE_BYTES,
        reserveBytes: DINIT_RESERVE_BYTES,
        now: this.now,
        onDrops: (d) => this.reportDrops(d),
      });
      return { writer, style: { chalk: makeChalk(level), width: 0 } };
    };
    this.out = make(opts.stdout);
    this.err = sameDestination(opts.stdout, opts.stderr) ? this.out : make(opts.stderr);
  }

  /** Change format/timestamps (after a reload). */
  configure(settings: Partial<FormatSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  /** Register a service, or apply a changed LogSpec to it (after a reload). */
  addService(name: string, spec: LogSpec): void {
    const old = this.services.get(name);
    if (old) {
      if (old.spec.buffer !== spec.buffer) old.ring.resize(spec.buffer);
      const o = old.spec;
      if (o.file !== spec.file || o.maxSize !== spec.maxSize || o.keep !== spec.keep) {
        void old.file?.close();
        old.file = this.openFile(name, spec);
      }
      old.spec = spec;
    } else {
      this.services.set(name, {
        spec,
        ring: new RingBuffer<Stored>(spec.buffer, RING_MAX_BYTES, sizeOfStored),
        file: this.openFile(name, spec),
      });
    }
    this.colors.colorOf(name);
    this.updateWidth();
  }

  /** Forget a service: its buffer, its file (closed after pending lines), its colour. */
  removeService(name: string): void {
    const e = this.services.get(name);
    if (!e) return;
    void e.file?.close();
    this.services.delete(name);
    this.colors.release(name);
    this.updateWidth();
  }

  /** Registered service names, in registration order. */
  serviceNames(): string[] {
    return [...this.services.keys()];
  }

  /**
   * Read a child's output streams until they end; the promise resolves then
   * (a partial last line has been flushed). Streams are read as fast as the
   * hub can take them in (a shared per-turn budget keeps the event loop
   * responsive) — a child is never slowed down by a slow console.
   */
  attach(name: string, stdout: Readable | null, stderr: Readable | null): Promise<void> {
    const parts: Promise<void>[] = [];
    // The console writer is the gate: a service outrunning a live reader waits on its pipe.
    if (stdout) parts.push(readLines(stdout, (line) => this.line(name, 'stdout', line), this.budget, this.out.writer));
    if (stderr) parts.push(readLines(stderr, (line) => this.line(name, 'stderr', line), this.budget, this.err.writer));
    return Promise.all(parts).then(() => undefined);
  }

  /** One of dinit's own event lines (`[dinit] …` on stdout). Multi-line text becomes several lines. */
  dinit(message: string): void {
    for (const text of message.split('\n')) {
      const l: LogLine = { time: this.now(), service: DINIT_SOURCE, stream: 'dinit', line: text };
      this.dinitRing.push({ seq: ++this.seq, l });
      this.notify(l);
      if (!this.out.writer.push(DINIT_SOURCE, dinitLine(l, this.settings, this.out.style.chalk), true)) {
        this.countDrop(DINIT_SOURCE);
      }
    }
  }

  /**
   * The last `n` lines of the named services (all services and dinit's own
   * events if `names` is empty), oldest first, in arrival order across services.
   */
  tail(names: string[], n: number): LogLine[] {
    const rings: RingBuffer<Stored>[] = [];
    for (const name of names.length > 0 ? names : [...this.services.keys(), DINIT_SOURCE]) {
      const ring = name === DINIT_SOURCE ? this.dinitRing : this.services.get(name)?.ring;
      if (ring) rings.push(ring);
    }
    const all = rings.flatMap((r) => r.last(n));
    all.sort((a, b) => a.seq - b.seq);
    return all.slice(Math.max(0, all.length - n)).map((s) => s.l);
  }

  /** Every new line of the named services (all, dinit included, if empty). Returns unsubscribe. */
  follow(names: string[], cb: (l: LogLine) => void): () => void {
    const f: Follower = { names: names.length > 0 ? new Set(names) : null, cb };
    this.followers.add(f);
    return () => {
      this.followers.delete(f);
    };
  }

  /** Every line (stdout and stderr) of one service, for log readiness. Returns unsubscribe. */
  onLine(name: string, cb: (line: string) => void): () => void {
    let set = this.probes.get(name);
    if (!set) this.probes.set(name, (set = new Set()));
    set.add(cb);
    return () => {
      set.delete(cb);
      if (set.size === 0 && this.probes.get(name) === set) this.probes.delete(name);
    };
  }

  /** Console lines dropped so far, per service (and "dinit"), since the hub was created. */
  dropped(): Record<string, number> {
    return Object.fromEntries(this.drops);
  }

  /** Wait until queued console output and log files are written, at most `timeoutMs`. */
  async flush(timeoutMs = 2000): Promise<void> {
    const work = Promise.all([
      this.out.writer.idle(),
      this.err.writer.idle(),
      ...[...this.services.values()].map((e) => e.file?.flush()),
    ]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([work, deadline]);
    clearTimeout(timer);
  }

  /** Flush (bounded by `timeoutMs`), then close log files and what the hub opened. */
  async close(timeoutMs = 2000): Promise<void> {
    await this.flush(timeoutMs);
    await Promise.all([...this.services.values()].map((e) => e.file?.close()));
    this.out.writer.close();
    if (this.err !== this.out) this.err.writer.close();
  }

  private line(name: string, stream: 'stdout' | 'stderr', text: string): void {
    const l: LogLine = { time: this.now(), service: name, stream, line: text };
    const e = this.services.get(name);
    if (e) {
      e.ring.push({ seq: ++this.seq, l });
      e.file?.write(fileLine(l, this.settings));
    }
    // The console gets the line before the probes see it: a `ready: { log: … }`
    // match makes dinit print "started", and that must come after the line.
    const out = stream === 'stdout' ? this.out : this.err;
    const color: ForegroundColorName = this.colors.colorOf(name);
    const text2 = consoleLine(l, this.settings, out.style, color, e ? e.spec.prefix : true);
    if (!out.writer.push(name, text2)) this.countDrop(name);
    this.notify(l);
    const probes = this.probes.get(name);
    if (probes) for (const cb of probes) call(cb, text);
  }

  private notify(l: LogLine): void {
    for (const f of this.followers) if (!f.names || f.names.has(l.service)) call(f.cb, l);
  }

  private countDrop(source: string): void {
    this.drops.set(source, (this.drops.get(source) ?? 0) + 1);
  }

  private reportDrops(d: Map<string, number>): void {
    for (const [source, n] of d) this.dinit(`dropped ${n} line${n === 1 ? '' : 's'} from ${source} (output too slow)`);
  }

  private openFile(name: string, spec: LogSpec): RotatingFile | null {
    if (!spec.file) return null;
    return new RotatingFile({
      path: spec.file,
      maxSize: spec.maxSize,
      keep: spec.keep,
      onError: (message) => this.dinit(`${name}: ${message}`),
    });
  }

  private updateWidth(): void {
    let width = 0;
    for (const name of this.services.keys()) width = Math.max(width, name.length);
    this.out.style.width = width;
    this.err.style.width = width;
  }
}

