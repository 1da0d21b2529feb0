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

import { libc } from './libc.js';

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

/** A new descriptor for what `fd` refers to (close-on-exec, 3 or above), or null. Never throws. */
export function dupFd(fd: number): number | null {
  try {
    const n = libc().fcntlSet(fd, F_DUPFD_CLOEXEC, 3);
    return n >= 0 ? n : null;
  } catch {
    return null;
  }
}
