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
//
// The hub routes; what it routes to are its parts: service-logs.ts (each
// service's ring and file, dinit's ring, tail), console-pair.ts (stdout and
// stderr, colours, prefixes, drop counts) and log-subscribers.ts (followers
// and line probes).

import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { LogFormat, LogLine, LogSpec } from '../types.js';
import type { BoundedWriter } from './bounded-writer.js';
import { ConsolePair } from './console-pair.js';
import { consoleLine, dinitLine, fileLine } from './format.js';
import type { FormatSettings } from './format.js';
import { frame, frameSize, scan, scannedCrlfs } from './block-frame.js';
import { forEachLine, LineFramer, TurnBudget } from './line-splitter.js';
import { LogSubscribers } from './log-subscribers.js';
import { readPaced } from './paced-reader.js';
import { DINIT_SOURCE, ServiceLogs } from './service-logs.js';
import type { Destination } from './sink.js';

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

const DEFAULT_QUEUE_BYTES = 1024 * 1024;
/** With less room than this on the console queue, a block that does not fit whole is dropped unformatted. */
const DROP_WHOLE_BYTES = 64 * 1024;
/** close(): stop waiting for attached streams once none brought anything for this long. */
const QUIET_MS = 250;

const NO_PREFIX = Buffer.alloc(0);

export class LogHub {
  private settings: FormatSettings;
  private readonly now: () => number;
  private readonly consoles: ConsolePair;
  private readonly services: ServiceLogs;
  private readonly subscribers = new LogSubscribers();
  private seq = 0;
  private readonly budget = new TurnBudget();
  /** Attached streams not yet ended, and a count of the blocks read from any (to see progress). */
  private readonly reading = new Set<Promise<void>>();
  private blocksIn = 0;

  constructor(opts: LogHubOptions) {
    this.settings = { format: opts.format, timestamps: opts.timestamps };
    this.now = opts.now ?? Date.now;
    this.services = new ServiceLogs(opts.dinitBuffer ?? 1000, (name, message) => this.dinit(`${name}: ${message}`));
    this.consoles = new ConsolePair(opts.stdout, opts.stderr, {
      color: opts.color,
      maxBytes: opts.maxQueueBytes ?? DEFAULT_QUEUE_BYTES,
      now: this.now,
      onDrops: (d) => this.reportDrops(d),
    });
  }

  /** Change format/timestamps (after a reload). */
  configure(settings: Partial<FormatSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  /** Register a service, or apply a changed LogSpec to it (after a reload). */
  addService(name: string, spec: LogSpec): void {
    this.services.set(name, spec);
    this.consoles.added(name, this.services.names());
  }

  /** Forget a service: its buffer, its file (closed after pending lines), its colour. */
  removeService(name: string): void {
    if (!this.services.remove(name)) return;
    this.consoles.removed(name, this.services.names());
  }

  /** Registered service names, in registration order. */
  serviceNames(): string[] {
    return this.services.names();
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
    if (stdout) parts.push(this.read(name, 'stdout', stdout, this.consoles.out.writer));
    if (stderr) parts.push(this.read(name, 'stderr', stderr, this.consoles.err.writer));
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
      this.services.dinitRing.push(entry);
      ring?.push(entry);
      this.subscribers.notify(l, about);
      const dropped = this.consoles.out.writer.push(DINIT_SOURCE, dinitLine(l, this.settings, this.consoles.out.style.chalk), true);
      if (dropped) this.consoles.countDrop(DINIT_SOURCE, dropped);
    }
  }

  /**
   * The last `n` lines of the named services (all services and dinit's own
   * events if `names` is empty), oldest first, in arrival order across services.
   */
  tail(names: string[], n: number): LogLine[] {
    return this.services.tail(names, n);
  }

  /** Every new line of the named services (all, dinit included, if empty). Returns unsubscribe. */
  follow(names: string[], cb: (l: LogLine) => void): () => void {
    return this.subscribers.follow(names, cb);
  }

  /** Every line (stdout and stderr) of one service, for log readiness. Returns unsubscribe. */
  onLine(name: string, cb: (line: string) => void): () => void {
    return this.subscribers.onLine(name, cb);
  }

  /** Console lines dropped so far, per service (and "dinit"), since the hub was created. */
  dropped(): Record<string, number> {
    return this.consoles.dropped();
  }

  /** Wait until queued console output and log files are written, at most `timeoutMs`. */
  async flush(timeoutMs = 2000): Promise<void> {
    const work = Promise.all([...this.consoles.idle(), ...this.services.files().map((f) => f.flush())]);
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
    await Promise.all(this.services.files().map((f) => f.close()));
    this.consoles.close();
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
    const out = this.consoles.of(stream);
    if (e) {
      e.ring.push({ seq: this.seq + 1, n, time, service: name, stream, bytes: block, line: '' });
      // The bare lines (a copy when the block only lives as long as this call: the file's queue keeps it).
      e.file?.writeLines(scannedCrlfs() > 0 ? frame(block, n, NO_PREFIX) : transient ? Buffer.from(block) : block);
    }
    this.seq += n;
    // The console gets the lines before the probes see them: a `ready: { log: … }`
    // match makes dinit print "started", and that must come after the line.
    const prefix = !e || e.spec.prefix ? this.consoles.prefixOf(out, name) : NO_PREFIX;
    const room = out.writer.room;
    if (room < DROP_WHOLE_BYTES && room < block.length + n * prefix.length) {
      // Nobody reads: do not build what would be thrown away.
      out.writer.drop(name, n);
      this.consoles.countDrop(name, n);
    } else {
      // Without prefix or CR, an untouched block that outlives this call goes as it is.
      const size = frameSize(block, n, prefix);
      const keep = prefix.length === 0 && scannedCrlfs() === 0 && !transient;
      const mem = keep ? null : (out.arena?.take(size) ?? null);
      const data = keep ? block : frame(block, n, prefix, mem ?? Buffer.allocUnsafe(size));
      const dropped = out.writer.push(name, data);
      if (dropped) this.consoles.countDrop(name, dropped);
      if (mem && dropped === n) out.arena!.abandon();
    }
    const probes = this.subscribers.probesOf(name);
    if (!probes && !this.subscribers.isFollowed(name)) return;
    forEachLine(block, (text) => this.subscribers.deliver({ time, service: name, stream, line: text }, probes));
  }

  /** Lines of text from a service, one by one through the formats; one console write. */
  private lines(name: string, stream: 'stdout' | 'stderr', texts: string[]): void {
    this.blocksIn++;
    const time = this.now();
    const e = this.services.get(name);
    const out = this.consoles.of(stream);
    const color = this.consoles.colorOf(name);
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
    if (dropped) this.consoles.countDrop(name, dropped);
    const probes = this.subscribers.probesOf(name);
    if (!probes && !this.subscribers.isFollowed(name)) return;
    for (const l of ls) this.subscribers.deliver(l, probes);
  }

  private reportDrops(d: Map<string, number>): void {
    for (const [source, n] of d) this.dinit(`dropped ${n} line${n === 1 ? '' : 's'} from ${source} (output too slow)`);
  }
}
