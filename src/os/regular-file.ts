// Every file dinit opens because a config names it (the config itself, an
// env-file, a service's log.file) goes through here, under one rule:
//
//   - opened with O_NONBLOCK, so a FIFO never blocks open() — not on the event
//     loop (a synchronous read would freeze PID 1 for good) and not on libuv's
//     four-thread pool (one stuck open starves every other file write);
//   - checked with fstat on the open descriptor (no check-then-open race) to be
//     a regular file: a device (/dev/zero never ends), a FIFO, a socket or a
//     directory is refused;
//   - read up to a size bound, never to an EOF that may not come.
//
// Refusals are RegularFileError with a sentence that says what the path is and
// what to do (libuv adds O_CLOEXEC itself); callers locate it (file:line:col) like any config error.

import { closeSync, fstatSync, openSync, readSync, constants as fsc, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { formatBytes } from '../units.js';

/** The most an env-file may hold (documented in the README's env-file section). */
export const MAX_NAMED_FILE_BYTES = 1024 * 1024;
/** The most the config file itself may hold (documented next to -c). */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

export class RegularFileError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function kind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'something else';
}

function notRegular(st: Stats): RegularFileError {
  return new RegularFileError(`it is ${kind(st)}, not a regular file`, 'ENOTREG');
}

function tooBig(size: number, maxBytes: number): RegularFileError {
  const bytes = (n: number): string => formatBytes(n, { prose: true });
  return new RegularFileError(`it is larger than ${bytes(maxBytes)} (${bytes(size)}${size > maxBytes ? '' : ' and growing'}), the most dinit reads`, 'EFBIG');
}

/**
 * Read a whole regular file as UTF-8, at most `maxBytes`. Throws
 * RegularFileError for anything that is not a regular file or is too large,
 * and the fs error (ENOENT, EACCES…) for a path that cannot be opened.
 */
export function readRegularFileSync(path: string, maxBytes: number = MAX_NAMED_FILE_BYTES): string {
  const fd = openSync(path, fsc.O_RDONLY | fsc.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(st);
    if (st.size > maxBytes) throw tooBig(st.size, maxBytes);
    // Read to EOF, but never past the bound (a file that grows while read).
    const buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(st.size + 1, 4096)));
    let len = 0;
    for (;;) {
      if (len === buf.length) break;
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    if (len > maxBytes) throw tooBig(len, maxBytes);
    return buf.toString('utf8', 0, len);
  } finally {
    closeSync(fd);
  }
}

/**
 * Open a regular file for appending (created 0644 if missing). A FIFO without
 * a reader fails at once (ENXIO) instead of blocking a pool thread; one with a
 * reader, a device or anything else not regular is closed and refused.
 */
export async function openRegularForAppend(path: string): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT | fsc.O_NONBLOCK, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') throw new RegularFileError('it is a FIFO (named pipe), not a regular file', 'ENOTREG');
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw notRegular(st);
    return { fh, size: st.size };
  } catch (err) {
    await fh.close().catch(() => {});
    throw err;
  }
}
