// The control server: a unix socket inside the supervisor that answers the
// CLI's requests by calling a ControlTarget.
//
// Model: the server is a listener on the supervisor and must never harm it.
//
// Each connection is an isolated Connection (connection.ts): whatever a client
// sends or fails to read ends as an error reply or a closed connection, never
// as an exception escaping into the supervisor.
//
// Memory and fds are bounded by one rule per client and two in total:
//   - a client may have CLIENT_QUEUE_BOUND bytes of output queued and unread
//     (plus the one reply that crossed it): past it, its further requests wait
//     unread (the socket is paused) until it reads, and a `logs -f` it follows
//     drops lines (counted and told); at most MAX_IN_FLIGHT requests run at once;
//   - a reply that would take the unread output of all clients together past
//     TOTAL_QUEUE_BOUND is refused with BUSY (the client retries), so forty
//     clients asking for a large backlog and never reading cannot grow PID 1;
//   - at most MAX_CONNECTIONS connections: one more gets a BUSY error line and
//     is closed; a connection with nothing in flight that neither reads nor
//     writes for IDLE_TIMEOUT_MS is closed, so idle clients cannot hold fds.
// Only the socket's owner may use it: it is created under a 0077 umask and
// chmod'ed 0600; a directory we create for it is 0700.

import { statSync, unlinkSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { DinitError } from '../errors.js';
import { clearStaleSocket, listenPrivately, prepareDirectory } from './socket-file.js';
import type { SocketPlace } from './socket-path.js';
import type { ControlTarget } from './target.js';
import { CLOSE_GRACE_MS, Connection, busy, type ConnectionOptions } from './connection.js';
import { PROTOCOL_VERSION, encodeMessage, errorToWire } from './protocol.js';

/** Concurrent connections; one more is told BUSY and closed. */
export const MAX_CONNECTIONS = 64;

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

/** Options of the server: its connections' (connection.ts); onError also hears the listening socket's errors. */
export type ControlServerOptions = ConnectionOptions;

/** The control server on the first of `places` it can bind (socket-path.ts's order), and why the others were passed over. */
export async function startControlServerFirst(places: SocketPlace[], target: ControlTarget, opts: ControlServerOptions = {}): Promise<{ server: ControlServer; skipped: string[] }> {
  const skipped: string[] = [];
  for (const place of places) {
    try {
      return { server: await startControlServer(place, target, opts), skipped };
    } catch (err) {
      // A live supervisor there: the client would find it first, so this one must not start.
      if (err instanceof DinitError && err.code === 'SOCKET_IN_USE' && err.context.live === true) throw err;
      skipped.push(`${place.path}: ${reasonOf(err)}`);
    }
  }
  throw new DinitError('OPERATION_FAILED', `no control socket could be created (${skipped.join('; ')})`, { skipped });
}

function reasonOf(err: unknown): string {
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'no such directory';
  return err instanceof Error ? err.message : String(err);
}

export async function startControlServer(where: string | SocketPlace, target: ControlTarget, opts: ControlServerOptions = {}): Promise<ControlServer> {
  const place = typeof where === 'string' ? { path: where } : where;
  const socketPath = place.path;
  const uid = process.getuid?.() ?? 0;
  prepareDirectory(place, uid);
  await clearStaleSocket(socketPath, uid);
  const connections = new Set<Connection>();
  const queued = (): number => {
    let n = 0;
    for (const c of connections) n += c.unread;
    return n;
  };
  // allowHalfOpen: a client may send its request and shut its side; it still gets the reply.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    if (connections.size >= MAX_CONNECTIONS) return refuse(socket);
    const conn = new Connection(socket, target, opts, queued, () => connections.delete(conn));
    connections.add(conn);
  });
  await listenPrivately(server, socketPath);
  const ino = statSync(socketPath).ino;
  server.on('error', (err) => opts.onError?.(`control socket: ${err.message}`));

  let closing: Promise<void> | undefined;
  return {
    path: socketPath,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        try {
          // Only remove the socket if it is still ours (not replaced by another dinit).
          if (statSync(socketPath).ino === ino) unlinkSync(socketPath);
        } catch {
          /* already gone */
        }
        for (const c of connections) c.shutdown();
      });
      return closing;
    },
  };
}

/** One connection too many: a BUSY line, then closed (it holds an fd only briefly). */
function refuse(socket: Socket): void {
  socket.on('error', () => undefined);
  // Read and drop what it sends: closing with its request unread would reset
  // the connection, and the client would lose the BUSY line too.
  socket.resume();
  socket.on('end', () => socket.destroy());
  const err = busy(`${MAX_CONNECTIONS} control connections are open`);
  socket.end(encodeMessage({ v: PROTOCOL_VERSION, id: null, ok: false, error: errorToWire(err) }));
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}
