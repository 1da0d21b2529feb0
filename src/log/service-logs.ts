// What the log hub keeps of each service's output, by name: its ring buffer
// (for `dinit logs`) and its log file, as its LogSpec asks; dinit's own ring
// of event lines beside them; and `tail`, which merges rings in arrival order
// (each line's sequence number, given by the hub). A reload's changed LogSpec
// resizes the ring in place and reopens the file only when the file settings
// changed.

import type { LogLine, LogSpec } from '../types.js';
import { LineRing } from './ring-buffer.js';
import { RotatingFile } from './rotating-file.js';

/** The stream name dinit's own events carry in LogLine and JSON output. */
export const DINIT_SOURCE = 'dinit';

/** Per-service cap on buffered bytes, on top of the configured line count. */
const RING_MAX_BYTES = 4 * 1024 * 1024;

export interface ServiceLog {
  spec: LogSpec;
  ring: LineRing;
  file: RotatingFile | null;
}

export class ServiceLogs {
  private readonly services = new Map<string, ServiceLog>();
  /** dinit's own event lines. */
  readonly dinitRing: LineRing;

  /** `onFileError`: a log file could not be written (told on dinit's own output). */
  constructor(
    dinitBuffer: number,
    private readonly onFileError: (name: string, message: string) => void,
  ) {
    this.dinitRing = new LineRing(dinitBuffer, RING_MAX_BYTES);
  }

  get(name: string): ServiceLog | undefined {
    return this.services.get(name);
  }

  /** Registered service names, in registration order. */
  names(): string[] {
    return [...this.services.keys()];
  }

  /** The open log files. */
  files(): RotatingFile[] {
    return [...this.services.values()].flatMap((e) => (e.file ? [e.file] : []));
  }

  /** Register a service, or apply a changed LogSpec to it (after a reload). */
  set(name: string, spec: LogSpec): void {
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
  }

  /** Forget a service: its buffer and its file (closed after pending lines). False if unknown. */
  remove(name: string): boolean {
    const e = this.services.get(name);
    if (!e) return false;
    void e.file?.close();
    this.services.delete(name);
    return true;
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

  private openFile(name: string, spec: LogSpec): RotatingFile | null {
    if (!spec.file) return null;
    return new RotatingFile({
      path: spec.file,
      maxSize: spec.maxSize,
      keep: spec.keep,
      onError: (message) => this.onFileError(name, message),
    });
  }
}
