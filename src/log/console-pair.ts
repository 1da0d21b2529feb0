// dinit's console as the log hub writes to it: its stdout and stderr (one
// writer serves both when they are the same file; each a console-out.ts
// destination), each service's colour and its `name | ` prefix padded to the
// longest registered name, and the count of lines dropped on the way (per
// service, and "dinit") since the hub was created.

import { ColorAssigner, type ForegroundColorName } from '../color.js';
import { openOut, type Out, type OutOptions } from './console-out.js';
import { sameDestination, type Destination } from './sink.js';

export class ConsolePair {
  readonly out: Out;
  readonly err: Out;
  private readonly colors = new ColorAssigner();
  private readonly drops = new Map<string, number>();

  constructor(stdout: Destination, stderr: Destination, o: OutOptions) {
    this.out = openOut(stdout, o);
    this.err = sameDestination(stdout, stderr) ? this.out : openOut(stderr, o);
  }

  /** The destination of a service's stream. */
  of(stream: 'stdout' | 'stderr'): Out {
    return stream === 'stdout' ? this.out : this.err;
  }

  colorOf(name: string): ForegroundColorName {
    return this.colors.colorOf(name);
  }

  /** A service was registered (`names`: all registered now): it keeps a colour; prefixes follow the width. */
  added(name: string, names: string[]): void {
    this.colors.colorOf(name);
    this.updateWidth(names);
  }

  /** A service was removed (`names`: those left): its colour is free again. */
  removed(name: string, names: string[]): void {
    this.colors.release(name);
    this.out.prefixes.delete(name);
    this.err.prefixes.delete(name);
    this.updateWidth(names);
  }

  /** The `name | ` prefix of a service on one destination, as bytes. */
  prefixOf(out: Out, name: string): Buffer {
    let p = out.prefixes.get(name);
    if (!p) {
      const color = this.colors.colorOf(name);
      p = Buffer.from(out.style.chalk[color](name.padEnd(out.style.width) + ' | '), 'utf8');
      out.prefixes.set(name, p);
    }
    return p;
  }

  countDrop(source: string, n: number): void {
    this.drops.set(source, (this.drops.get(source) ?? 0) + n);
  }

  /** Console lines dropped so far, per service (and "dinit"). */
  dropped(): Record<string, number> {
    return Object.fromEntries(this.drops);
  }

  /** Both writers have written what they queued. */
  idle(): Promise<void>[] {
    return [this.out.writer.idle(), this.err.writer.idle()];
  }

  close(): void {
    this.out.writer.close();
    if (this.err !== this.out) this.err.writer.close();
  }

  private updateWidth(names: string[]): void {
    let width = 0;
    for (const name of names) width = Math.max(width, name.length);
    if (width === this.out.style.width && width === this.err.style.width) return;
    this.out.style.width = width;
    this.err.style.width = width;
    this.out.prefixes.clear();
    this.err.prefixes.clear();
  }
}
