// A service's `log.file`: lines appended to a file that is rotated by size.
// Lines come one at a time or as a block of whole lines (one per chunk a
// service wrote); a block is cut between lines where a rotation falls.
// Before a line would take the file past `maxSize`, the file is renamed
// file → file.1 → … → file.KEEP (the oldest falls off; KEEP = 0 just starts
// over) and a fresh file is opened, so no file ever exceeds maxSize unless a
// single line does (it then gets a file of its own). An existing file is
// appended to and its size counted. All I/O is asynchronous through one
// serial loop (a slow disk never stalls the supervisor), in front of a bounded
// queue (excess lines are dropped rather than held in memory). The first
// failure — unwritable path, full disk, a path that is not a regular file
// (a FIFO, a device: see os/regular-file.ts) — is reported once through `onError`
// and the file is given up; console output is unaffected.

import { rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { makeDirs } from '../os/make-dirs.js';
import { openRegularForAppend } from '../os/regular-file.js';

export interface RotatingFileOptions {
  path: string;
  /** Bytes; 0 = never rotate. */
  maxSize: number;
  /** Rotated files kept (file.1 … file.keep). */
  keep: number;
  /** Told once, when the file is given up. */
  onError: (message: string) => void;
  /** Queue limit in bytes (default 4 MiB). */
  maxQueueBytes?: number;
}

const BATCH_BYTES = 64 * 1024;
const LF = 0x0a;

function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(LF); i !== -1; i = buf.indexOf(LF, i + 1)) n++;
  return n;
}

export class RotatingFile {
  private queue: Buffer[] = [];
  private queued = 0;
  private fh: FileHandle | null = null;
  private size = 0;
  private running: Promise<void> | null = null;
  private failed = false;
  private closed = false;
  /** Lines dropped because the disk could not keep up. */
  dropped = 0;

  constructor(private readonly opts: RotatingFileOptions) {}

  get path(): string {
    return this.opts.path;
  }

  /** Append one line (a trailing newline is added). */
  write(line: string): void {
    if (this.failed || this.closed) return;
    this.writeLines(Buffer.from(line + '\n', 'utf8'));
  }

  /** Append whole lines, each ending in "\n" (the caller must not change the buffer afterwards). */
  writeLines(buf: Buffer): void {
    if (this.failed || this.closed || buf.length === 0) return;
    if (this.queued + buf.length > (this.opts.maxQueueBytes ?? 4 * 1024 * 1024)) {
      this.dropped += countLines(buf);
      return;
    }
    this.queue.push(buf);
    this.queued += buf.length;
    this.kick();
  }

  /** Resolves when everything queued so far is written (or the file was given up). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Flush, then close the file. Later writes are ignored. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => {});
  }

  /** Start the serial write loop unless it runs; restart it if lines came in as it finished. */
  private kick(): void {
    if (this.running || this.failed || this.closed) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.failed) {
        if (!this.fh) await this.openFile();
        const limit = this.opts.maxSize;
        // Take the lines that fit in the current file (at least one if it is empty).
        const batch: Buffer[] = [];
        let bytes = 0;
        while (this.queue.length > 0 && bytes < BATCH_BYTES) {
          const next = this.queue[0]!;
          const room = limit > 0 ? limit - this.size - bytes : Infinity;
          if (next.length <= room) {
            batch.push(next);
            bytes += next.length;
            this.queue.shift();
            continue;
          }
          // Only part fits: the whole lines that do; a line alone larger than
          // the limit gets an empty file of its own.
          let cut = room > 0 ? next.lastIndexOf(LF, room - 1) + 1 : 0;
          if (cut === 0 && this.size + bytes === 0) cut = next.indexOf(LF) + 1 || next.length;
          if (cut > 0) {
            batch.push(next.subarray(0, cut));
            bytes += cut;
            if (cut === next.length) this.queue.shift();
            else this.queue[0] = next.subarray(cut);
          }
          break;
        }
        if (batch.length === 0) {
          await this.rotate();
          continue;
        }
        this.queued -= bytes;
        const data = batch.length === 1 ? batch[0]! : Buffer.concat(batch, bytes);
        let off = 0;
        while (off < data.length) {
          const { bytesWritten } = await this.fh!.write(data, off, data.length - off);
          off += bytesWritten;
        }
        this.size += data.length;
      }
    } catch (err) {
      this.giveUp(err);
    }
  }

  private async openFile(): Promise<void> {
    // Not mkdir's recursive option: it never returns for a directory under /proc (see os/make-dirs.ts).
    await makeDirs(dirname(this.opts.path));
    // Non-blocking and regular files only: a FIFO here must not hold one of
    // libuv's four pool threads (every other file write would wait behind it).
    const { fh, size } = await openRegularForAppend(this.opts.path);
    this.fh = fh;
    this.size = size;
  }

  private async rotate(): Promise<void> {
    const { path, keep } = this.opts;
    await this.fh?.close();
    this.fh = null;
    if (keep <= 0) {
      await rm(path, { force: true });
    } else {
      for (let i = keep - 1; i >= 1; i--) {
        await rename(`${path}.${i}`, `${path}.${i + 1}`).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        });
      }
      await rename(path, `${path}.1`);
    }
    await this.openFile();
  }

  private giveUp(err: unknown): void {
    this.failed = true;
    this.queue = [];
    this.queued = 0;
    const fh = this.fh;
    this.fh = null;
    fh?.close().catch(() => {});
    const why = err instanceof Error ? err.message : String(err);
    this.opts.onError(`cannot write log file ${this.opts.path} (${why}); keeping console output only`);
  }
}
