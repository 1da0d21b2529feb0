// The control server: a unix socket inside the supervisor that answers the
// CLI's requests by calling a ControlTarget.
//
// Model: the server is a listener on the supervisor and must never harm it.
// Each connection is an isolated Connection: its bytes are split into lines
// (at most MAX_REQUEST_LINE, else it gets an error and is dropped), each line
// is one request run on its own, and every failure — garbage, a thrown error,
// a rejected promise, a peer that vanished — ends as an error reply or a closed
// connection, never as an exception escaping into the supervisor.
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
import type { ControlTarget, EventRecord, LogLine } from './target.js';
import { dispatch } from './dispatch.js';
import { CappedLineReader, MAX_REQUEST_LINE, PROTOCOL_VERSION, encodeMessage, errorToWire, parseRequest, type RequestId, type ServerMessage } from './protocol.js';

/** What one client may have queued and unread before its requests wait and its follow lines drop. */
export const CLIENT_QUEUE_BOUND = 256 * 1024;
/** Unread output of all clients together past which replies are refused with BUSY. */
const TOTAL_QUEUE_BOUND = 64 * 1024 * 1024;
/** Concurrent connections; one more is told BUSY and closed. */
export const MAX_CONNECTIONS = 64;
/** Requests of one connection running at once; more wait unread. */
const MAX_IN_FLIGHT = 16;
/** A connection with nothing in flight and no bytes either way for this long is closed. */
const IDLE_TIMEOUT_MS = 10_000;
/** Replies this small always go out (errors, status): refusing them would save nothing. */
const SMALL_REPLY = 4096;
/** close() waits this long for replies in flight to flush before destroying. */
const CLOSE_GRACE_MS = 300;

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

export interface ControlServerOptions {
  /** Problems worth a line in the supervisor's log (internal errors only; bad clients are not news). */
  onError?(msg: string): void;
  /** Close connections idle this long (default IDLE_TIMEOUT_MS; tests shorten it). */
  idleTimeoutMs?: number;
}

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

function busy(why: string): DinitError {
  return new DinitError('BUSY', `the supervisor is busy: ${why}; try again`);
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

class Connection {
  private readonly splitter: CappedLineReader;
  private readonly follows = new Map<RequestId, () => void>();
  /** Request lines that arrived while this client was over its bound: run once it reads. */
  private readonly waiting: string[] = [];
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly target: ControlTarget,
    private readonly opts: ControlServerOptions,
    private readonly totalQueued: () => number,
    private readonly onGone: () => void,
  ) {
    this.splitter = new CappedLineReader(
      MAX_REQUEST_LINE,
      (line) => this.onLine(line),
      () => this.onOverflow(),
    );
    socket.on('data', (chunk: Buffer) => this.splitter.push(chunk));
    socket.on('drain', () => this.runWaiting());
    socket.on('error', () => this.cleanup()); // EPIPE, ECONNRESET: the peer is gone; nothing to tell
    socket.on('close', () => this.cleanup());
    socket.on('end', () => {
      // The peer shut its side: a follower is gone (we cannot tell a vanished
      // reader from a half-closed one); plain requests in flight still get their reply.
      this.stopFollows();
      if (this.inFlight === 0 && this.waiting.length === 0) socket.end();
    });
    socket.setTimeout(opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS, () => {
      if (this.inFlight === 0 && this.follows.size === 0) socket.destroy();
    });
  }

  /** Bytes written to this client and not yet taken by the kernel. */
  get unread(): number {
    return this.closed ? 0 : this.socket.writableLength;
  }

  /** Over the one bound: its requests wait and its follow lines drop. */
  private get full(): boolean {
    return this.socket.writableLength > CLIENT_QUEUE_BOUND || this.inFlight >= MAX_IN_FLIGHT;
  }

  /** Run the requests that waited while the client was over its bound, then read again. */
  private runWaiting(): void {
    while (this.waiting.length > 0 && !this.full && !this.closed) this.handle(this.waiting.shift() as string);
    if (this.waiting.length === 0 && !this.closed && this.socket.isPaused()) this.socket.resume();
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
    // Lines of a chunk already read arrive together: hold them (at most one chunk, as reading stops).
    if (this.full || this.waiting.length > 0) {
      this.waiting.push(line);
      this.socket.pause();
      return;
    }
    this.handle(line);
  }

  private handle(line: string): void {
    const parsed = parseRequest(line);
    if (!parsed.ok) {
      this.send({ v: PROTOCOL_VERSION, id: parsed.id, ok: false, error: errorToWire(parsed.error) });
      return;
    }
    const req = parsed.req;
    this.inFlight++;
    let done: Promise<void>;
    try {
      done = dispatch(this.target, req, {
        reply: (id, result) => this.reply(id, result),
        replyOrBusy: (id, result) => this.replyOrBusy(id, result),
        followLogs: (id, names, n) => this.follow(id, names, n),
        followEvents: (id, names) => this.followEvents(id, names),
      });
    } catch (err) {
      done = Promise.reject(err);
    }
    done
      .catch((err: unknown) => {
        if (!(err instanceof DinitError)) this.opts.onError?.(`control: '${req.verb}' failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        this.send({ v: PROTOCOL_VERSION, id: req.id, ok: false, error: errorToWire(err) });
      })
      .finally(() => {
        this.inFlight--;
        if (this.waiting.length > 0) this.runWaiting();
        if (this.inFlight === 0 && this.follows.size === 0 && this.waiting.length === 0 && this.socket.readableEnded) this.socket.end();
      })
      .catch(() => undefined);
  }

  private reply(id: RequestId, result: unknown): void {
    this.send({ v: PROTOCOL_VERSION, id, ok: true, result: result ?? null });
  }

  /**
   * The reply of a read-only request (status, logs, config, orphans): when
   * clients that do not read already hold TOTAL_QUEUE_BOUND, it is refused
   * with BUSY instead — the client retries, and no state changed to repeat.
   */
  private replyOrBusy(id: RequestId, result: unknown): void {
    const held = this.totalQueued();
    // Already full and a long list (a logs backlog): refuse before encoding, the JSON would be garbage to collect.
    const hopeless = held >= TOTAL_QUEUE_BOUND && Array.isArray(result) && result.length > 64;
    const text = hopeless ? '' : encodeMessage({ v: PROTOCOL_VERSION, id, ok: true, result: result ?? null });
    if (hopeless || (text.length > SMALL_REPLY && held + text.length > TOTAL_QUEUE_BOUND)) {
      const err = busy(`${Math.round(held / (1024 * 1024))} MiB of replies are not yet read by clients`);
      this.send({ v: PROTOCOL_VERSION, id, ok: false, error: errorToWire(err) });
      return;
    }
    if (!this.closed && this.socket.writable) this.socket.write(text);
  }

  /**
   * The one bound on what a follower may hold of our memory (logs -f and
   * events alike): past FOLLOW_HIGH_WATER unread bytes, messages are dropped
   * and counted, and the count is sent before the next one that fits.
   */
  private boundedSender(id: RequestId): (msg: ServerMessage) => void {
    let dropped = 0;
    return (msg) => {
      if (this.closed || !this.socket.writable) return;
      if (this.socket.writableLength > CLIENT_QUEUE_BOUND) {
        dropped++;
        return;
      }
      if (dropped > 0) {
        this.send({ v: PROTOCOL_VERSION, id, event: 'dropped', count: dropped });
        dropped = 0;
      }
      this.send(msg);
    };
  }

  /** Answer with null, then stream state changes until either side closes. */
  private followEvents(id: RequestId, names: string[]): void {
    if (this.follows.has(id)) throw new DinitError('PROTOCOL', `request id ${String(id)} is already following`);
    const send = this.boundedSender(id);
    let live = false;
    const stop = this.target.followEvents(names, (change: EventRecord) => {
      // Called from inside the supervisor's event path: it must never throw back.
      try {
        if (live) send({ v: PROTOCOL_VERSION, id, event: 'service', change });
      } catch (err) {
        this.opts.onError?.(`control: events delivery failed: ${String(err)}`);
      }
    });
    if (this.closed) return safe(stop);
    this.follows.set(id, stop);
    this.reply(id, null);
    live = true;
  }

  /** Answer with the backlog, then stream new lines until either side closes. */
  private follow(id: RequestId, names: string[], n: number): void {
    if (this.follows.has(id)) throw new DinitError('PROTOCOL', `request id ${String(id)} is already following`);
    let live = false;
    const send = this.boundedSender(id);
    const early: LogLine[] = [];
    const deliver = (line: LogLine): void => send({ v: PROTOCOL_VERSION, id, event: 'line', line });
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
    this.replyOrBusy(id, backlog);
    live = true;
    for (const line of early) deliver(line);
  }

  private send(msg: ServerMessage): void {
    if (this.closed || !this.socket.writable) return;
    this.socket.write(encodeMessage(msg));
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    /* an unsubscribe that throws must not break closing */
  }
}
