// The socket file's life before the server owns it: a private directory, no
// stale leftovers, no stealing a live supervisor's socket, and a bind under a
// restrictive umask so there is never a moment the socket is open to others.
// Never in a directory another user controls, never replacing a socket this
// user does not own (the trust rule is socket-path.ts's).

import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createConnection, type Server } from 'node:net';
import { dirname } from 'node:path';
import { DinitError } from '../errors.js';
import { makeDirsSync } from '../os/make-dirs.js';
import { distrustDir, type SocketPlace } from './socket-path.js';

function refuse(socketPath: string, why: string): DinitError {
  return new DinitError('OPERATION_FAILED', `cannot use ${socketPath}: ${why}`, { path: socketPath, why });
}

/**
 * Make the socket's directory (0700, missing parents too) or check the one
 * there. Throws a DinitError (context.why says why) for a directory that
 * cannot be trusted, and os/make-dirs.ts's MakeDirError (its code the errno)
 * for one that cannot be made: under /proc or /sys, a file in the way…
 */
export function prepareDirectory(place: SocketPlace, uid: number): void {
  const dir = place.privateDir ?? dirname(place.path);
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    makeDirsSync(dir, 0o700);
    chmodSync(dir, 0o700);
    return;
  }
  if (place.privateDir !== undefined) {
    // A per-user directory in a world-writable place: someone may have made it first.
    if (!st.isDirectory()) throw refuse(place.path, `${dir} is not a directory`);
    if (st.uid !== uid) throw refuse(place.path, `${dir} is owned by uid ${st.uid}, not by this user (uid ${uid})`);
    if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
    return;
  }
  const why = distrustDir(dir, uid);
  if (why) throw refuse(place.path, why);
}

function inUse(socketPath: string, why: string, live: boolean): DinitError {
  return new DinitError('SOCKET_IN_USE', `control socket ${socketPath} ${why}; pick another path with --socket PATH or DINIT_SOCKET=PATH`, { path: socketPath, live });
}

export async function clearStaleSocket(socketPath: string, uid: number): Promise<void> {
  let st;
  try {
    st = lstatSync(socketPath);
  } catch {
    return;
  }
  if (!st.isSocket()) throw inUse(socketPath, 'exists and is not a socket', false);
  if (st.uid !== uid) throw refuse(socketPath, `the socket there belongs to uid ${st.uid}, and dinit never replaces a socket this user (uid ${uid}) does not own`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = createConnection(socketPath);
    const timer = setTimeout(() => finish(true), 2000); // accepts nothing but is there: assume alive
    function finish(v: boolean): void {
      clearTimeout(timer);
      probe.destroy();
      resolve(v);
    }
    probe.once('connect', () => finish(true));
    probe.once('error', (err: NodeJS.ErrnoException) => finish(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT'));
  });
  if (alive) throw inUse(socketPath, 'is in use by another running dinit supervisor', true);
  try {
    unlinkSync(socketPath);
  } catch {
    /* someone else removed it */
  }
}

export function listenPrivately(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(err.code === 'EADDRINUSE' ? inUse(socketPath, 'is in use by another running dinit supervisor', true) : err);
    };
    server.once('error', onError);
    // The bind happens synchronously inside listen(): the umask covers exactly it.
    const old = process.umask(0o077);
    try {
      server.listen(socketPath, () => {
        server.off('error', onError);
        try {
          chmodSync(socketPath, 0o600);
          resolve();
        } catch (err) {
          server.close();
          reject(err);
        }
      });
    } finally {
      process.umask(old);
    }
  });
}
