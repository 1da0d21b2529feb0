// Pipe descriptors (the OS side of service output, used by src/log): a duplicate of one (see log/pipe-reader.ts), and bigger buffers
// for busy pipes. A Linux pipe holds 64 KiB by default: a
// service flooding its stdout then blocks every 64 KiB until dinit has read,
// and dinit blocks every 64 KiB until its own reader has, so the three take
// turns instead of working side by side (measured: yes | dinit | reader on 2
// cores). F_SETPIPE_SZ makes a pipe hold more. It is asked for only once a
// pipe has shown to be busy (a full read, a write that did not fit), because
// the kernel counts pipe sizes against the user's budget
// (/proc/sys/fs/pipe-user-pages-soft; pages themselves are only allocated as
// data comes). Refusals — not a pipe, over the budget, no libc — are ignored.

import { closeSync } from 'node:fs';
import { libc } from './libc.js';
import { SERVICE_NOFILE_DEFAULT } from './rlimits.js';

/** fcntl commands (Linux, every architecture). */
const F_SETPIPE_SZ = 1031;
const F_DUPFD_CLOEXEC = 1030;
/** /proc/sys/fs/pipe-max-size's default: what an unprivileged process may ask for. */
export const BUSY_PIPE_BYTES = 1024 * 1024;

/** Ask for `bytes` of buffer on pipe `fd`; whether the pipe now holds at least that much. Never throws. */
export function growPipe(fd: number, bytes: number = BUSY_PIPE_BYTES): boolean {
  try {
    return libc().fcntlSet(fd, F_SETPIPE_SZ, bytes) >= bytes;
  } catch {
    return false;
  }
}

/** The file descriptor under a Node stream that wraps one (a net.Socket on a pipe), else null. */
export function fdOf(stream: unknown): number | null {
  const fd = (stream as { _handle?: { fd?: unknown } } | null)?._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

/**
 * Where dinit keeps the descriptors it holds for long (a service's pipes) once
 * it holds many: at or above the soft RLIMIT_NOFILE a service starts with
 * (rlimits.ts). The fds below stay free for what is made while dinit's own limit is lowered around a
 * spawn (libuv's exec-status pipe, musl's posix_spawn pipe), so a thousand
 * services do not use up the numbers a spawn needs.
 */
const HIGH_FD = SERVICE_NOFILE_DEFAULT;

/**
 * Below this, numbers are plentiful and a descriptor stays where the kernel
 * put it. Moving one to HIGH_FD grows the process's fd table past 1024
 * entries, and with Node's threads sharing it the kernel waits an RCU grace
 * period to swap the table in: 5-14 ms once, measured, for every supervisor
 * that moved even one. So only a supervisor that already holds ~768 fds does.
 */
const CROWDED_FD = HIGH_FD - 256;

/** A new descriptor for what `fd` refers to (close-on-exec, 3 or above; moved up when crowded), or null. Never throws. */
export function dupFd(fd: number): number | null {
  try {
    const n = libc().fcntlSet(fd, F_DUPFD_CLOEXEC, 3);
    return n >= 0 ? moveHigh(n) : null;
  } catch {
    return null;
  }
}

/**
 * `fd` moved to HIGH_FD or above (the old number closed) once the numbers
 * below are crowded; else, or when that is not possible, `fd` itself. Never throws.
 */
export function moveHigh(fd: number): number {
  if (fd < CROWDED_FD || fd >= HIGH_FD) return fd;
  try {
    const c = libc();
    const n = c.fcntlSet(fd, F_DUPFD_CLOEXEC, HIGH_FD);
    if (n < 0) return fd;
    closeSync(fd);
    return n;
  } catch {
    return fd;
  }
}
