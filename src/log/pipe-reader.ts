// Reading a service's pipe without a fresh Buffer per read. A net.Socket
// allocates a new ArrayBuffer for every read (up to 64 KiB) and hands it on
// as a 'data' event; in a flood that is hundreds of MB a second of memory
// outside the JS heap which, as the hub allocates little else, the GC only
// collects once 64 MB of it piles up (seen: dinit's RSS +70 MB while ten
// services flooded a stalled console). Node can instead read into a buffer
// of ours (`onread`), with no stream machinery per read — but only on a
// socket it creates with that option. So once a service's stream brings a
// second chunk (or a full one), and if it is a net.Socket on a file
// descriptor, we take a duplicate of that descriptor, destroy the stream, and
// read the duplicate through a socket of our own, into one buffer shared by
// all services (reads are handled one at a time, and the hub copies what it
// keeps). A service that prints once keeps its stream: taking over costs
// ~25 µs per stream, which a restart loop would pay on every spawn. The given stream's 'close' so comes early for busy services;
// nothing but the hub reads a service's output.

import { Socket } from 'node:net';
import type { OnReadOpts, SocketConstructorOpts } from 'node:net';
import type { Readable } from 'node:stream';
import type { ChunkTarget, ReadGate, TurnBudget } from './line-splitter.js';
import { dupFd, fdOf } from '../os/pipe-fds.js';

/** libuv reads a pipe in pieces of up to this. */
const READ_BYTES = 64 * 1024;

let shared: Buffer | null = null;

/**
 * Take `stream`'s pipe over: a descriptor of our own for it, the stream
 * destroyed. Called from the stream's one 'data' listener (readInto's) once
 * its buffer is empty: between two reads, so nothing read is left behind —
 * libuv hands each read on as it makes it, and destroying the stream in the
 * same tick stops it before the next. Null (the stream untouched) unless it
 * is a net.Socket on an fd that no one else reads.
 */
export function takeOver(stream: Readable): number | null {
  if (!(stream instanceof Socket) || stream.readableLength > 0 || stream.destroyed) return null;
  if (stream.listenerCount('data') !== 1 || stream.listenerCount('readable') > 0) return null;
  const fd = fdOf(stream);
  const own = fd === null ? null : dupFd(fd);
  if (own !== null) stream.destroy();
  return own;
}

/**
 * Read pipe `fd` (ours: it is closed at the end) to its end, as readInto does
 * a stream: each read is pushed to `target` as a transient chunk, and reading
 * pauses while the gate has no room, the turn's budget is spent, or the
 * target asks to wait.
 */
export function readPipe(fd: number, target: ChunkTarget, budget?: TurnBudget, gate?: ReadGate): Promise<void> {
  shared ??= Buffer.allocUnsafe(READ_BYTES);
  return new Promise((resolve) => {
    let finished = false;
    const resume = (): void => {
      if (!finished) sock.resume();
    };
    const onRead = (n: number, buf: Buffer): boolean => {
      target.push(buf.subarray(0, n), true);
      if (gate && !gate.hasRoom()) {
        gate.onRoom(resume);
        return false;
      }
      if (budget?.spend(n, resume)) return false;
      const ms = target.wait?.(n) ?? 0;
      if (ms > 0) {
        setTimeout(resume, ms);
        return false;
      }
      return true;
    };
    // (Node's Socket constructor takes `onread` like connect() does; the types only know the latter.)
    const opts: SocketConstructorOpts & { onread: OnReadOpts } = { fd, readable: true, writable: false, onread: { buffer: shared!, callback: onRead } };
    const sock = new Socket(opts);
    const finish = (): void => {
      if (finished) return;
      finished = true;
      target.end();
      sock.destroy();
      resolve();
    };
    sock.once('end', finish);
    sock.once('close', finish);
    sock.once('error', finish);
    sock.resume();
  });
}
