// The socket file's life before the server owns it: a private directory, no
// stale leftovers, no stealing a live supervisor's socket, and a bind under a
// restrictive umask so there is never a moment the socket is open to others.

import { chmodSync, lstatSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, type Server } from 'node:net';
import { dirname } from 'node:path';
import { DinitError } from '../errors.js';

export function prepareDirectory(socketPath: string): void {
  const dir = dirname(socketPath);
  try {
    statSync(dir);
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
}

function inUse(socketPath: string, why: string): DinitError {
  return new DinitError(
    'SOCKET_IN_USE',
    `control socket ${socketPath} ${why}; pick another path with --socket PATH or DINIT_SOCKET=PATH`,
    { path: socketPath },
  );
}

export async function clearStaleSocket(socketPath: string): Promise<void> {
  let st;
  try {
    st = lstatSync(socketPath);
  } catch {
    return;
  }
  if (!st.isSocket()) throw inUse(socketPath, 'exists and is not a socket');
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
  if (alive) throw inUse(socketPath, 'is in use by another running dinit supervisor');
  try {
    unlinkSync(socketPath);
  } catch {
    /* someone else removed it */
  }
}

export function listenPrivately(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(err.code === 'EADDRINUSE' ? inUse(socketPath, 'is in use by another running dinit supervisor') : err);
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
