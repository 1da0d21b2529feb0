// A service's stdout/stderr are real pipes, not the socketpairs Node's 'pipe'
// stdio creates: on Linux, open("/dev/stdout") fails with ENXIO when fd 1 is a
// socket, and many programs do that (nginx's `error_log /dev/stderr`, shell
// `echo x > /dev/stdout`). Falls back to Node's pipes if libc is unavailable.

import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { libc } from './libc.js';

export interface OutputPipes {
  /** What to put at stdio[1] and stdio[2]. */
  stdio: [number, number] | ['pipe', 'pipe'] | ['inherit', 'inherit'];
  /** Our real pipes (write ends at stdio[1], stdio[2]); false for Node's socketpairs. */
  real: boolean;
  /** After the spawn: close our copies of the write ends; the read ends as streams (null for Node's own). */
  adopt(): { stdout: Readable; stderr: Readable } | null;
  /** The spawn failed: close everything. */
  abandon(): void;
}

export function outputPipes(): OutputPipes {
  let out: [number, number] | null = null;
  let err: [number, number] | null = null;
  try {
    out = libc().pipe();
    err = out ? libc().pipe() : null;
  } catch {
    /* no koffi: socketpairs it is */
  }
  if (!out || !err) {
    for (const fd of [...(out ?? []), ...(err ?? [])]) closeSync(fd);
    return { stdio: ['pipe', 'pipe'], real: false, adopt: () => null, abandon: () => undefined };
  }
  const [outR, outW] = out;
  const [errR, errW] = err;
  return {
    stdio: [outW, errW],
    real: true,
    adopt() {
      closeSync(outW);
      closeSync(errW);
      return {
        stdout: new Socket({ fd: outR, readable: true, writable: false }),
        stderr: new Socket({ fd: errR, readable: true, writable: false }),
      };
    },
    abandon() {
      for (const fd of [outR, outW, errR, errW]) closeSync(fd);
    },
  };
}

/** dinit's own stdout and stderr (the terminal), passed through untouched: nothing to read. */
export function inheritedOutput(): OutputPipes {
  return { stdio: ['inherit', 'inherit'], real: false, adopt: () => null, abandon: () => undefined };
}
