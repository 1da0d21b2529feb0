// Where console output physically goes, written without ever blocking the event
// loop. A Sink takes one buffer at a time and calls back when it is handed to
// the kernel; the BoundedWriter above it owns the queue and its limit.
//
// Measured on Linux/Node 20: process.stdout on a pipe is made O_NONBLOCK and
// queues every write in memory with no limit, and a plain fs.writeSync on a
// blocking pipe stalls the whole supervisor when nobody reads. Note that
// process.stdout comes into being as soon as anything does
// `import process from 'node:process'` (chalk does), so fd 1/2 are usually
// already non-blocking when we start. So:
//  - a pipe/FIFO (Docker's usual stdout) is re-opened through /proc/self/fd/N.
//    That yields a new open file description of the same pipe, which libuv
//    (net.Socket) puts in non-blocking mode and polls with epoll; the original
//    fd 1/2 — shared with our parent and anything else holding it — keeps its
//    flags (setting O_NONBLOCK on a shared description breaks other writers
//    with EAGAIN). If /proc is unavailable we fall back to the fd sink.
//  - anything else given as an fd (TTY, regular file, socket, /dev/null) is
//    written with fs.write on the libuv threadpool: the event loop never waits;
//    at worst one pool thread sits in write(2) while a terminal is stopped.
//    EAGAIN (someone set O_NONBLOCK on it) is retried on a short timer.
//    process.exit does not wait for such a pending write (measured).
//  - a Node stream is written with write(buf, cb); its callback is the
//    backpressure signal.

import { closeSync, fstatSync, openSync, write as fsWrite, constants as fsc } from 'node:fs';
import { Socket } from 'node:net';
import type { Destination } from './color.js';

export interface Sink {
  /** Write all of `data`; `done` once it is handed over (or failed: the sink is then dead). */
  write(data: Buffer, done: (err: Error | null) => void): void;
  /** Release what the sink opened itself (never the caller's fd or stream). */
  close(): void;
  readonly kind: 'pipe' | 'fd' | 'stream';
}

const EAGAIN_RETRY_MS = 20;

class PipeSink implements Sink {
  readonly kind = 'pipe' as const;
  private readonly socket: Socket;

  constructor(fd: number) {
    this.socket = new Socket({ fd, readable: false, writable: true });
    this.socket.unref();
    // Errors also arrive through the write callback; the listener only keeps
    // an EPIPE from becoming an uncaught 'error' event.
    this.socket.on('error', () => {});
  }

  write(data: Buffer, done: (err: Error | null) => void): void {
    this.socket.write(data, (err) => done(err ?? null));
  }

  close(): void {
    this.socket.destroy(); // closes our re-opened fd, never the original
  }
}

class FdSink implements Sink {
  readonly kind = 'fd' as const;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly fd: number) {}

  write(data: Buffer, done: (err: Error | null) => void): void {
    let off = 0;
    const step = (): void => {
      fsWrite(this.fd, data, off, data.length - off, null, (err, n) => {
        if (err) {
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
            this.timer = setTimeout(step, EAGAIN_RETRY_MS);
            return;
          }
          done(err);
          return;
        }
        off += n;
        if (off < data.length) step();
        else done(null);
      });
    };
    step();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

class StreamSink implements Sink {
  readonly kind = 'stream' as const;
  private failed: Error | null = null;
  private readonly onError = (err: Error): void => {
    this.failed = err;
  };

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', this.onError);
  }

  write(data: Buffer, done: (err: Error | null) => void): void {
    if (this.failed) {
      done(this.failed);
      return;
    }
    this.stream.write(data, (err?: Error | null) => done(err ?? this.failed));
  }

  close(): void {
    this.stream.removeListener('error', this.onError);
  }
}

/** Open a non-blocking sink for a destination (see the module comment for why each kind). */
export function openSink(dest: Destination): Sink {
  if (typeof dest !== 'number') return new StreamSink(dest);
  let fifo = false;
  try {
    fifo = fstatSync(dest).isFIFO();
  } catch {
    /* closed fd: the fd sink reports EBADF on first write */
  }
  if (fifo) {
    try {
      const own = openSync(`/proc/self/fd/${dest}`, fsc.O_WRONLY | fsc.O_NONBLOCK);
      try {
        return new PipeSink(own);
      } catch {
        closeSync(own);
      }
    } catch {
      /* no /proc: fall back */
    }
  }
  return new FdSink(dest);
}

/** Whether two destinations are the same file (e.g. `2>&1`), so one writer must serve both. */
export function sameDestination(a: Destination, b: Destination): boolean {
  if (a === b) return true;
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  try {
    const sa = fstatSync(a);
    const sb = fstatSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino && sa.rdev === sb.rdev;
  } catch {
    return false;
  }
}
