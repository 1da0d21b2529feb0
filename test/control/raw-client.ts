// A bare socket client for tests that must speak malformed or unusual
// protocol (garbage, partial lines, oversize lines, pipelining): it sends raw
// bytes and hands back each line the server writes, parsed as JSON.

import { createConnection, type Socket } from 'node:net';

export interface RawClient {
  socket: Socket;
  send(text: string | Buffer): void;
  /** The next message from the server (waits for it, up to `ms`). */
  next(ms?: number): Promise<Record<string, unknown>>;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
  close(): void;
}

export function rawConnect(path: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const queue: Record<string, unknown>[] = [];
    const waiters: ((m: Record<string, unknown>) => void)[] = [];
    let buf = '';
    let closedResolve!: () => void;
    const closed = new Promise<void>((r) => (closedResolve = r));
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const msg = JSON.parse(line) as Record<string, unknown>;
        const w = waiters.shift();
        if (w) w(msg);
        else queue.push(msg);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => closedResolve());
    socket.once('connect', () =>
      resolve({
        socket,
        send: (t) => {
          socket.write(t);
        },
        next(ms = 5000) {
          const m = queue.shift();
          if (m) return Promise.resolve(m);
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error('no message from the server in time')), ms);
            waiters.push((msg) => {
              clearTimeout(timer);
              res(msg);
            });
          });
        },
        closed,
        close: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}
