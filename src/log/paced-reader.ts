// How a service's output stream is read: as a Node stream at first, and once
// busy, its pipe read directly into a shared buffer (pipe-reader.ts); either
// way paced for floods (see pacedTarget) and gated by the console writer.

import type { Readable } from 'node:stream';
import type { BoundedWriter } from './bounded-writer.js';
import { readInto, type ChunkTarget, type LineFramer, type TurnBudget } from './line-splitter.js';
import { readPipe, takeOver } from './pipe-reader.js';
import { fdOf, growPipe } from '../os/pipe-fds.js';

/** libuv reads a pipe 64 KiB at a time: a read that size found the (default-sized) pipe full. */
const FULL_READ = 64 * 1024;
/** A flood in small pieces is read this often (see pacedTarget()). */
const COALESCE_MS = 1;

/** Read `src` into `framer` until it ends; the console writer `gate` holds the reads back when full. */
export function readPaced(src: Readable, framer: LineFramer, budget: TurnBudget, gate: BoundedWriter): Promise<void> {
  let own: number | null = null;
  const target = pacedTarget(framer, () => own ?? fdOf(src));
  const handOver = (): Promise<void> | null => {
    own = takeOver(src);
    return own === null ? null : readPipe(own, target, budget, gate);
  };
  return readInto(src, target, budget, gate, handOver);
}

/**
 * What a service's stream is read into: its LineFramer, paced for floods.
 * A service writing faster than we read fills its pipe: reads come back
 * full, and its pipe gets a bigger buffer. One writing in small pieces
 * (`head` writes 4 KiB at a time) that we keep up with would wake us for
 * every piece, and the per-chunk cost, paid 16 times more often, would
 * take the CPU its reader needs: when a small chunk follows the previous
 * one within COALESCE_MS, we let the (then bigger) pipe fill that long
 * before reading on. Output that trickles is read at once.
 */
function pacedTarget(framer: LineFramer, fd: () => number | null): ChunkTarget {
  let grown = false;
  const grow = (): void => {
    grown = true;
    const now = fd();
    if (now !== null) growPipe(now);
  };
  let last = -Infinity;
  return {
    push: (chunk, transient) => framer.push(chunk, transient),
    end: () => framer.end(),
    wait: (bytes) => {
      const now = performance.now();
      const rapid = now - last < COALESCE_MS;
      last = now;
      if (bytes >= FULL_READ) {
        if (!grown) grow();
        return 0;
      }
      if (!rapid) return 0;
      if (!grown) grow();
      return COALESCE_MS;
    },
  };
}
