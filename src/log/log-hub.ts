// The LogHub is the single door between services' output and everything that
// consumes it. Each child stream goes through a LineFramer, which hands on
// each chunk's run of whole lines as one block; the block is then, in this
// order: kept in the service's ring buffer (for `dinit logs`), appended to the
// service's log file, queued on the console writer for its stream, and handed
// line by line to followers (`dinit logs -f`) and line probes (`ready: { log:
// REGEX }`). dinit's own event lines enter through `dinit()` and the same
// console writer, so nothing ever interleaves mid-line. Only the console side
// can drop lines (when nobody reads fast enough); buffers, probes, followers
// and files see every line. Lines are numbered as they arrive, which orders
// `tail()` across services exactly.
//
// The common case — text format, no timestamps, valid UTF-8, no line over the
// limit — never makes a string: the console gets one buffer per block with the
// prefix copied in front of each line (CRs of CRLF endings dropped), in memory
// reused from write to write (arena.ts); the ring copies the block into its
// byte store and splits it only when read; the file gets the block; and only
// a follower or probe makes lines of it. Anything else (JSON, timestamps,
// overlong lines, bad UTF-8) goes line by line through format.ts's functions,
// still with one console write per block. A busy service's pipe is read into
// one shared buffer (pipe-reader.ts), so a flood allocates next to nothing.
//
// A service that was never registered (or was removed while its process still
// writes) is printed with a prefix but not buffered or filed.

import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { LogFormat, LogLine, LogSpec } from '../types.js';
import type { BoundedWriter } from './bounded-writer.js';
import { ColorAssigner } from '../color.js';
import { openOut, type Out } from './console-out.js';
import { consoleLine, dinitLine, fileLine } from './format.js';
import type { FormatSettings } from './format.js';
import { frame, frameSize, scan, scannedCrlfs } from './block-frame.js';
import { forEachLine, LineFramer, TurnBudget } from './line-splitter.js';
import { readPaced } from './paced-reader.js';
import { LineRing } from './ring-buffer.js';
import { RotatingFile } from './rotating-file.js';
import { sameDestination, type Destination } from './sink.js';

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
const DINIT_SOURCE = 'dinit';

const DEFAULT_QUEUE_BYTES = 1024 * 1024;
/** With less room than this on the console queue, a block that does not fit whole is dropped unformatted. */
const DROP_WHOLE_BYTES = 64 * 1024;
/** close(): stop waiting for attached streams once none brought anything for this long. */
const QUIET_MS = 250;
/** Per-service cap on buffered bytes, on top of the configured line count. */
const RING_MAX_BYTES = 4 * 1024 * 1024;

const NO_PREFIX = Buffer.alloc(0);

interface Entry {
  spec: LogSpec;
  ring: LineRing;
  file: RotatingFile | null;
}

interface Follower {
  names: Set<string> | null;
  cb: (l: LogLine) => void;
}

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
  private readonly dinitRing: LineRing;
  private readonly probes = new Map<string, Set<(line: string) => void>>();
  private readonly followers = new Set<Follower>();
  private readonly drops = new Map<string, number>();
  private seq = 0;
  private readonly budget = new TurnBudget();
  /** Attached streams not yet ended, and a count of the blocks read from any (to see progress). */
  private readonly reading = new Set<Promise<void>>();
  private blocksIn = 0;

  constructor(opts: LogHubOptions) {
    this.settings = { format: opts.format, timestamps: opts.timestamps };
    this.now = opts.now ?? Date.now;
    this.dinitRing = new LineRing(opts.dinitBuffer ?? 1000, RING_MAX_BYTES);
    const make = (dest: Destination): Out =>
      openOut(dest, {
        color: opts.color,
        maxBytes: opts.maxQueueBytes ?? DEFAULT_QUEUE_BYTES,
        now: this.now,
        onDrops: (d) => this.reportDrops(d),
      });
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
        ring: new LineRing(spec.buffer, RING_MAX_BYTES),
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
    this.out.prefixes.delete(name);
    this.err.prefixes.delete(name);
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
    if (stdout) parts.push(this.read(name, 'stdout', stdout, this.out.writer));
    if (stderr) parts.push(this.read(name, 'stderr', stderr, this.err.writer));
    const done = Promise.all(parts).then(() => {
      this.reading.delete(done);
    });
    this.reading.add(done);
    return done;
  }

  /**
   * One of dinit's own event lines (`[dinit] …` on stdout). Multi-line text
   * becomes several lines. A line `about` a service is also kept in that
   * service's buffer (same sequence number, so a merged tail shows it once)
   * and reaches its followers: `dinit logs web` tells web's story, its
   * output between `started`, `killed by` and `restarting` lines.
   */
  dinit(message: string, about?: string): void {
    const ring = about === undefined ? undefined : this.services.get(about)?.ring;
    for (const text of message.split('\n')) {
      const l: LogLine = { time: this.now(), service: DINIT_SOURCE, stream: 'dinit', line: text };
      const entry = { seq: ++this.seq, n: 1, time: l.time, service: DINIT_SOURCE, stream: 'dinit' as const, bytes: null, line: text };
      this.dinitRing.push(entry);
      ring?.push(entry);
      this.notify(l, about);
      const dropped = this.out.writer.push(DINIT_SOURCE, dinitLine(l, this.settings, this.out.style.chalk), true);
      if (dropped) this.countDrop(DINIT_SOURCE, dropped);
    }
  }

  /**
   * The last `n` lines of the named services (all services and dinit's own
   * events if `names` is empty), oldest first, in arrival order across services.
   */
  tail(names: string[], n: number): LogLine[] {
    const rings: LineRing[] = [];
    for (const name of names.length > 0 ? names : [...this.services.keys(), DINIT_SOURCE]) {
      const ring = name === DINIT_SOURCE ? this.dinitRing : this.services.get(name)?.ring;
      if (ring) rings.push(ring);
    }
    // An event line kept in several rings (dinit's, and the service's it is about) is one line.
    const seen = new Set<number>();
    const all = rings.flatMap((r) => r.last(n)).filter((s) => s.l.stream !== 'dinit' || (!seen.has(s.seq) && seen.add(s.seq)));
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
    const work = Promise.all([this.out.writer.idle(), this.err.writer.idle(), ...[...this.services.values()].map((e) => e.file?.flush())]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([work, deadline]);
    clearTimeout(timer);
  }

  /**
   * Read what attached streams still hold (a service that exited may leave
   * output in its pipe), flush, then close log files and what the hub opened;
   * all within `timeoutMs`. Reading stops early once no stream has brought
   * anything for QUIET_MS (e.g. a grandchild keeps a pipe open).
   */
  async close(timeoutMs = 2000): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (this.reading.size > 0 && performance.now() < end) {
      const before = this.blocksIn;
      let timer: NodeJS.Timeout | undefined;
      const quiet = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.min(QUIET_MS, Math.max(0, end - performance.now())));
      });
      await Promise.race([Promise.all(this.reading), quiet]);
      clearTimeout(timer);
      if (this.blocksIn === before) break;
    }
    await this.flush(Math.max(0, end - performance.now()));
    await Promise.all([...this.services.values()].flatMap((e) => (e.file ? [e.file.close()] : [])));
    this.out.writer.close();
    if (this.err !== this.out) this.err.writer.close();
  }

  /** A service's stream, framed into lines and read at the pace of paced-reader.ts. */
  private read(name: string, stream: 'stdout' | 'stderr', src: Readable, gate: BoundedWriter): Promise<void> {
    const framer = new LineFramer({
      lines: (block, transient) => this.block(name, stream, block, transient),
      piece: (bytes) => this.lines(name, stream, [bytes.toString('utf8')]),
    });
    return readPaced(src, framer, this.budget, gate);
  }

  /** A block of whole lines from a service (see the module comment for the two paths). */
  private block(name: string, stream: 'stdout' | 'stderr', block: Buffer, transient: boolean): void {
    this.blocksIn++;
    const n = this.settings.format === 'text' && !this.settings.timestamps ? scan(block) : -1;
    if (n < 0 || !isUtf8(block)) {
      const texts: string[] = [];
      forEachLine(block, (text) => texts.push(text));
      this.lines(name, stream, texts);
      return;
    }
    const time = this.now();
    const e = this.services.get(name);
    const out = stream === 'stdout' ? this.out : this.err;
    if (e) {
      e.ring.push({ seq: this.seq + 1, n, time, service: name, stream, bytes: block, line: '' });
      // The bare lines (a copy when the block only lives as long as this call: the file's queue keeps it).
      e.file?.writeLines(scannedCrlfs() > 0 ? frame(block, n, NO_PREFIX) : transient ? Buffer.from(block) : block);
    }
    this.seq += n;
    // The console gets the lines before the probes see them: a `ready: { log: … }`
    // match makes dinit print "started", and that must come after the line.
    const prefix = !e || e.spec.prefix ? this.prefixOf(out, name) : NO_PREFIX;
    const room = out.writer.room;
    if (room < DROP_WHOLE_BYTES && room < block.length + n * prefix.length) {
      // Nobody reads: do not build what would be thrown away.
      out.writer.drop(name, n);
      this.countDrop(name, n);
    } else {
      // Without prefix or CR, an untouched block that outlives this call goes as it is.
      const size = frameSize(block, n, prefix);
      const keep = prefix.length === 0 && scannedCrlfs() === 0 && !transient;
      const mem = keep ? null : (out.arena?.take(size) ?? null);
      const data = keep ? block : frame(block, n, prefix, mem ?? Buffer.allocUnsafe(size));
      const dropped = out.writer.push(name, data);
      if (dropped) this.countDrop(name, dropped);
      if (mem && dropped === n) out.arena!.abandon();
    }
    const probes = this.probes.get(name);
    if (!probes && !this.isFollowed(name)) return;
    forEachLine(block, (text) => this.deliver({ time, service: name, stream, line: text }, probes));
  }

  /** Lines of text from a service, one by one through the formats; one console write. */
  private lines(name: string, stream: 'stdout' | 'stderr', texts: string[]): void {
    this.blocksIn++;
    const time = this.now();
    const e = this.services.get(name);
    const out = stream === 'stdout' ? this.out : this.err;
    const color = this.colors.colorOf(name);
    const prefix = e ? e.spec.prefix : true;
    let shown = '';
    let file = '';
    const ls: LogLine[] = [];
    for (const text of texts) {
      const l: LogLine = { time, service: name, stream, line: text };
      ls.push(l);
      ++this.seq;
      if (e) {
        e.ring.push({ seq: this.seq, n: 1, time, service: name, stream, bytes: null, line: text });
        if (e.file) file += fileLine(l, this.settings) + '\n';
      }
      shown += consoleLine(l, this.settings, out.style, color, prefix);
    }
    if (file) e!.file!.writeLines(Buffer.from(file, 'utf8'));
    const dropped = out.writer.push(name, shown);
    if (dropped) this.countDrop(name, dropped);
    const probes = this.probes.get(name);
    if (!probes && !this.isFollowed(name)) return;
    for (const l of ls) this.deliver(l, probes);
  }

  private deliver(l: LogLine, probes: Set<(line: string) => void> | undefined): void {
    this.notify(l);
    if (probes) for (const cb of probes) call(cb, l.line);
  }

  private isFollowed(name: string): boolean {
    for (const f of this.followers) if (!f.names || f.names.has(name)) return true;
    return false;
  }

  /** The `name | ` prefix of a service on one destination, as bytes. */
  private prefixOf(out: Out, name: string): Buffer {
    let p = out.prefixes.get(name);
    if (!p) {
      const color = this.colors.colorOf(name);
      p = Buffer.from(out.style.chalk[color](name.padEnd(out.style.width) + ' | '), 'utf8');
      out.prefixes.set(name, p);
    }
    return p;
  }

  private notify(l: LogLine, about?: string): void {
    for (const f of this.followers) if (!f.names || f.names.has(l.service) || (about !== undefined && f.names.has(about))) call(f.cb, l);
  }

  private countDrop(source: string, n: number): void {
    this.drops.set(source, (this.drops.get(source) ?? 0) + n);
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
    if (width === this.out.style.width && width === this.err.style.width) return;
    this.out.style.width = width;
    this.err.style.width = width;
    this.out.prefixes.clear();
    this.err.prefixes.clear();
  }
}
