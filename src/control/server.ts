// The control server: a unix socket inside the supervisor that answers the
// CLI's requests by calling a ControlTarget.
//
// Model: the server is a listener on the supervisor and must never harm it.
// Each connection is an isolated Connection: its bytes are split into lines
// (at most MAX_REQUEST_LINE, else it gets an error and is dropped), each line
// is one request run on its own, and every failure — garbage, a thrown error,
// a rejected promise, a peer that vanished — ends as an error reply or a closed
// connection, never as an exception escaping into the supervisor. Memory per
// connection is bounded: replies to a peer that stops reading are capped
// (MAX_BUFFERED_REPLIES, then the connection is dropped) and a following
// `logs -f` drops lines past FOLLOW_HIGH_WATER and tells the reader how many.
// Only the socket's owner may use it: it is created under a 0077 umask and
// chmod'ed 0600; a directory we create for it is 0700.

import { statSync, unlinkSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { DinitError } from '../errors.js';
import { clearStaleSocket, listenPrivately, prepareDirectory } from './socket-file.js';
import type { ControlTarget, LogLine } from './target.js';
import { withResources } from './observe.js';
import {
  CappedLineReader,
  MAX_REQUEST_LINE,
  PROTOCOL_VERSION,
  encodeMessage,
  errorToWire,
  parseRequest,
  redactConfig,
  type Request,
  type RequestId,
  type ServerMessage,
  type Verb,
  type VerbArgs,
} from './protocol.js';

/** A following reader whose unread output exceeds this loses lines (counted). */
export const FOLLOW_HIGH_WATER = 256 * 1024;
/** A peer with this much unread reply data is dropped. */
export const MAX_BUFFERED_REPLIES = 32 * 1024 * 1024;
/** A connection with nothing in flight and no bytes for this long is closed. */
const IDLE_TIMEOUT_MS = 120_000;
/** close() waits this long for replies in flight to flush before destroying. */
const CLOSE_GRACE_MS = 300;

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

export interface ControlServerOptions {
  /** Problems worth a line in the supervisor's log (internal errors only; bad clients are not news). */
  onError?(msg: string): void;
}

export async function startControlServer(socketPath: string, target: ControlTarget, opts: ControlServerOptions = {}): Promise<ControlServer> {
  prepareDirectory(socketPath);
  await clearStaleSocket(socketPath);
  const connections = new Set<Connection>();
  // allowHalfOpen: a client may send its request and shut its side; it still gets the reply.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const conn = new Connection(socket, target, opts, () => connections.delete(conn));
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

class Connection {
  private readonly splitter: CappedLineReader;
  private readonly follows = new Map<RequestId, () => void>();
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly target: ControlTarget,
    private readonly opts: ControlServerOptions,
    private readonly onGone: () => void,
  ) {
    this.splitter = new CappedLineReader(MAX_REQUEST_LINE, (line) => this.onLine(line), () => this.onOverflow());
    socket.on('data', (chunk: Buffer) => this.splitter.push(chunk));
    socket.on('error', () => this.cleanup()); // EPIPE, ECONNRESET: the peer is gone; nothing to tell
    socket.on('close', () => this.cleanup());
    socket.on('end', () => {
      // The peer shut its side: a follower is gone (we cannot tell a vanished
      // reader from a half-closed one); plain requests in flight still get their reply.
      this.stopFollows();
      if (this.inFlight === 0) socket.end();
    });
    socket.setTimeout(IDLE_TIMEOUT_MS, () => {
      if (this.inFlight === 0 && this.follows.size === 0) socket.destroy();
    });
  }

  /** Server closing: stop follows, let replies in flight flush briefly, then drop. */
  shutdown(): void {
    this.stopFollows();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.splitter.stop();
    this.stopFollows();
    this.socket.destroy();
    this.onGone();
  }

  private stopFollows(): void {
    for (const stop of this.follows.values()) safe(stop);
    this.follows.clear();
  }

  private onOverflow(): void {
    const err = new DinitError('PROTOCOL', `request line longer than ${MAX_REQUEST_LINE} bytes: closing the connection`);
    this.send({ v: PROTOCOL_VERSION, id: null, ok: false, error: errorToWire(err) });
    this.socket.pause();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private onLine(line: string): void {
    const parsed = parseRequest(line);
    if (!parsed.ok) {
      this.send({ v: PROTOCOL_VERSION, id: parsed.id, ok: false, error: errorToWire(parsed.error) });
      return;
    }
    const req = parsed.req;
    this.inFlight++;
    let done: Promise<void>;
    try {
      done = this.run(req);
    } catch (err) {
      done = Promise.reject(err);
    }
    done
      .catch((err: unknown) => {
        if (!(err instanceof DinitError)) this.opts.onError?.(`control: '${req.verb}' failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        this.send({ v: PROTOCOL_VERSION, id: req.id, ok: false, error: errorToWire(err) });
      })
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0 && this.follows.size === 0 && this.socket.readableEnded) this.socket.end();
      })
      .catch(() => undefined);
  }

  private reply(id: RequestId, result: unknown): void {
    this.send({ v: PROTOCOL_VERSION, id, ok: true, result: result ?? null });
  }

  private async run(req: Request): Promise<void> {
    const t = this.target;
    const verb: Verb = req.verb;
    switch (verb) {
      case 'status':
      {
        const names = args<'status'>(req).names;
        return this.reply(req.id, withResources(t.status(names), t.resources(names)));
      }
      case 'start':
      case 'stop':
      case 'restart': {
        const a = args<'start'>(req);
        return this.reply(req.id, await t[verb](a.names, a.wait));
      }
      case 'signal': {
        const a = args<'signal'>(req);
        t.signal(a.name, a.signal);
        return this.reply(req.id, null);
      }
      case 'logs': {
        const a = args<'logs'>(req);
        if (a.follow) return this.follow(req.id, a.names, a.n);
        return this.reply(req.id, t.logs(a.names, a.n));
      }
      case 'reload':
        return this.reply(req.id, await t.reload());
      case 'shutdown':
        await t.shutdown();
        return this.reply(req.id, null);
      case 'health':
        return this.reply(req.id, t.health());
      case 'config':
        return this.reply(req.id, redactConfig(t.config()));
      case 'orphans':
        return this.reply(req.id, t.orphans());
      case 'wait': {
        const a = args<'wait'>(req);
        return this.reply(req.id, await t.wait(a.names, a.timeoutMs));
      }
      default: {
        const never: never = verb;
        throw new DinitError('PROTOCOL', `unknown verb '${String(never)}'`);
      }
    }
  }

  /** Answer with the backlog, then stream new lines until either side closes. */
  private follow(id: RequestId, names: string[], n: number): void {
    if (this.follows.has(id)) throw new DinitError('PROTOCOL', `request id ${String(id)} is already following`);
    let live = false;
    let dropped = 0;
    const early: LogLine[] = [];
    const deliver = (line: LogLine): void => {
      if (this.closed || !this.socket.writable) return;
      if (this.socket.writableLength > FOLLOW_HIGH_WATER) {
        dropped++;
        return;
      }
      if (dropped > 0) {
        this.send({ v: PROTOCOL_VERSION, id, event: 'dropped', count: dropped });
        dropped = 0;
      }
      this.send({ v: PROTOCOL_VERSION, id, event: 'line', line });
    };
    const stop = this.target.followLogs(names, (line) => {
      // Called from inside the supervisor's log path: it must never throw back.
      try {
        if (live) deliver(line);
        else early.push(line);
      } catch (err) {
        this.opts.onError?.(`control: logs -f delivery failed: ${String(err)}`);
      }
    });
    if (this.closed) return safe(stop);
    this.follows.set(id, stop);
    let backlog: LogLine[];
    try {
      backlog = this.target.logs(names, n);
    } catch (err) {
      this.follows.delete(id);
      safe(stop);
      throw err;
    }
    this.reply(id, backlog);
    live = true;
    for (const line of early) deliver(line);
  }

  private send(msg: ServerMessage): void {
    if (this.closed || !this.socket.writable) return;
    if (this.socket.writableLength > MAX_BUFFERED_REPLIES) {
      // The peer stopped reading long ago: it does not get to hold our memory.
      this.cleanup();
      return;
    }
    this.socket.write(encodeMessage(msg));
  }
}

function args<V extends Verb>(req: Request): VerbArgs[V] {
  return req.args as VerbArgs[V];
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    /* an unsubscribe that throws must not break closing */
  }
}
