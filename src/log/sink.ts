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
//    with EAGAIN). If /proc is unavailable we fall back to the fd sink. The
//    first time a write does not fit, the pipe is given a bigger buffer
//    (os/pipe-fds.ts). Several queued buffers go out as one writev.
//  - a socket (a Node parent's 'pipe' stdio, journald's stream socket) cannot
//    be re-opened that way. It is written through a net.Socket — for fd 1/2
//    process.stdout/stderr itself, which makes (usually: has already made)
//    the description non-blocking — so writes are epoll-driven like a pipe's. (The
//    fd sink below would leave every write to a pool thread and, as the
//    description is non-blocking, wait a timer after each EAGAIN: measured
//    3× slower on a flood.)
//  - anything else given as an fd (TTY, regular file, /dev/null) is
//    written with fs.write on the libuv threadpool: the event loop never waits;
//    at worst one pool thread sits in write(2) while a terminal is stopped.
//    EAGAIN (someone set O_NONBLOCK on it) is retried on a short timer.
//    process.exit does not wait for such a pending write (measured).
//  - a Node stream is written with write(buf, cb); its callback is the
//    backpressure signal.

import { closeSync, fstatSync, openSync, write as fsWrite, constants as fsc } from 'node:fs';
import { Socket } from 'node:net';
import { growPipe } from '../os/pipe-fds.js';

/** An output as the hub accepts it: a file descriptor or a stream. */
export type Destination = number | NodeJS.WritableStream;

export interface Sink {
  /** Write all of `parts`, in order; `done` once handed over (or failed: the sink is then dead). */
  write(parts: Buffer[], done: (err: Error | null) => void): void;
  /** Release what the sink opened itself (never the caller's fd or stream). */
  close(): void;
  readonly kind: 'pipe' | 'socket' | 'fd' | 'stream';
}

const EAGAIN_RETRY_MS = 20;

/** Several buffers through a stream as one writev (cork/uncork), calling back once, after the last. */
function writeAll(stream: NodeJS.WritableStream, parts: Buffer[], done: (err: Error | null) => void): void {
  const last = parts.length - 1;
  const w = stream as NodeJS.WritableStream & { cork?: () => void; uncork?: () => void };
  if (last > 0) w.cork?.();
  for (let i = 0; i < last; i++) stream.write(parts[i]!);
  stream.write(parts[last]!, (err?: Error | null) => done(err ?? null));
  if (last > 0) w.uncork?.();
}

class PipeSink implements Sink {
  readonly kind = 'pipe' as const;
  private readonly socket: Socket;
  private grown = false;

  constructor(private readonly fd: number) {
    this.socket = new Socket({ fd, readable: false, writable: true });
    this.socket.unref();
    // Errors also arrive through the write callback; the listener only keeps
    // an EPIPE from becoming an uncaught 'error' event.
    this.socket.on('error', () => {});
  }

  write(parts: Buffer[], done: (err: Error | null) => void): void {
    writeAll(this.socket, parts, done);
    // Not all of it fit: the pipe is busy, give it room (once).
    if (!this.grown && this.socket.writableLength > 0) {
      this.grown = true;
      growPipe(this.fd);
    }
  }

  close(): void {
    this.socket.destroy(); // closes our re-opened fd, never the original
  }
}

class FdSink implements Sink {
  readonly kind = 'fd' as const;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly fd: number) {}

  write(parts: Buffer[], done: (err: Error | null) => void): void {
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    let off = 0;
    const step = (): void => {
      fsWrite(this.fd, data, off, data.length - off, null, (err, n) => {
        if (err) {
          if (err.code === 'EAGAIN') {
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
  private failed: Error | null = null;
  private readonly onError = (err: Error): void => {
    this.failed = err;
  };

  constructor(
    private readonly stream: NodeJS.WritableStream,
    readonly kind: 'stream' | 'socket' = 'stream',
  ) {
    stream.on('error', this.onError);
  }

  write(parts: Buffer[], done: (err: Error | null) => void): void {
    if (this.failed) {
      done(this.failed);
      return;
    }
    writeAll(this.stream, parts, (err) => done(err ?? this.failed));
  }

  close(): void {
    this.stream.removeListener('error', this.onError);
  }
}

/** Open a non-blocking sink for a destination (see the module comment for why each kind). */
export function openSink(dest: Destination): Sink {
  if (typeof dest !== 'number') return new StreamSink(dest);
  let fifo = false;
  let socket = false;
  try {
    const st = fstatSync(dest);
    fifo = st.isFIFO();
    socket = st.isSocket();
  } catch {
    /* closed fd: the fd sink reports EBADF on first write */
  }
  if (socket) {
    const stream = dest === 1 ? process.stdout : dest === 2 ? process.stderr : socketOn(dest);
    if (stream instanceof Socket) return new StreamSink(stream, 'socket');
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

/** A writable net.Socket on someone else's socket fd (never destroyed: that would close their fd). */
function socketOn(fd: number): Socket | null {
  try {
    const s = new Socket({ fd, readable: false, writable: true });
    s.unref();
    return s;
  } catch {
    return null;
  }
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
