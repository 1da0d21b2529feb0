// A service's stdout/stderr are real pipes, not the socketpairs Node's 'pipe'
// stdio creates: on Linux, open("/dev/stdout") fails with ENXIO when fd 1 is a
// socket, and many programs do that (nginx's `error_log /dev/stderr`, shell
// `echo x > /dev/stdout`). Falls back to Node's pipes if libc is unavailable.

import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { libc } from './libc.js';
import { moveHigh } from './pipe-fds.js';
import type { SpawnRequest } from './ports.js';

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

/** `n` pipes ([read end, write end] each, close-on-exec), or null (no libc, or out of fds): none left open. */
function makePipes(n: number): [number, number][] | null {
  const made: [number, number][] = [];
  try {
    for (let i = 0; i < n; i++) {
      const p = libc().pipe();
      if (!p) break;
      made.push(p);
    }
  } catch {
    /* no koffi */
  }
  if (made.length === n) return made;
  for (const fd of made.flat()) closeSync(fd);
  return null;
}

/**
 * The read end of a pipe as a stream, moved above the fds a spawn may need
 * once the numbers below are crowded (pipe-fds.ts moveHigh: dinit holds it
 * as long as the service runs).
 */
function reader(fd: number): Readable {
  return new Socket({ fd: moveHigh(fd), readable: true, writable: false });
}

/** Made before the spawn (never inside rlimits.ts' lowered window): see spawn.ts. */
export function outputPipes(): OutputPipes {
  const pipes = makePipes(2);
  if (!pipes) return { stdio: ['pipe', 'pipe'], real: false, adopt: () => null, abandon: () => undefined };
  const [[outR, outW], [errR, errW]] = pipes as [[number, number], [number, number]];
  return {
    stdio: [outW, errW],
    real: true,
    adopt() {
      closeSync(outW);
      closeSync(errW);
      return { stdout: reader(outR), stderr: reader(errR) };
    },
    abandon() {
      for (const fd of [outR, outW, errR, errW]) closeSync(fd);
    },
  };
}

/** What a service gets from fd 3 up (SpawnRequest.extraStdio: 'pipe', 'ignore' or an fd of ours). */
export type ExtraStdio = NonNullable<SpawnRequest['extraStdio']>[number];

export interface ExtraFds {
  /**
   * Per child fd 3+i: the fd of ours to put there, or 'ignore' (left closed,
   * as Node leaves an ignored fd above 2).
   */
  fds: (number | 'ignore')[];
  /** After the spawn: our copies of the write ends closed; child.stdio[3+i] for each slot (the read end of a 'pipe'). */
  adopt(): (Readable | null)[];
  /** The spawn failed: close what we made. */
  abandon(): void;
}

/**
 * A service's extra fds, as Node's stdio lays them out, except that a 'pipe'
 * is a real pipe (the service gets the write end), not a socketpair: as for
 * stdout, a service can open /dev/fd/N on it (a readiness fd is written to
 * only). Null without libc: Node's spawn then makes socketpairs.
 */
export function extraFds(extra: readonly ExtraStdio[]): ExtraFds | null {
  const wanted = extra.filter((e) => e === 'pipe').length;
  const pipes = makePipes(wanted);
  if (!pipes) return null;
  let next = 0;
  const slots = extra.map((e) => (e === 'pipe' ? (pipes[next++] as [number, number]) : e));
  return {
    fds: slots.map((s) => (Array.isArray(s) ? s[1] : s)),
    adopt() {
      return slots.map((s) => {
        if (!Array.isArray(s)) return null;
        closeSync(s[1]);
        return reader(s[0]);
      });
    },
    abandon() {
      for (const fd of pipes.flat()) closeSync(fd);
    },
  };
}

/** dinit's own stdout and stderr (the terminal), passed through untouched: nothing to read. */
export function inheritedOutput(): OutputPipes {
  return { stdio: ['inherit', 'inherit'], real: false, adopt: () => null, abandon: () => undefined };
}
