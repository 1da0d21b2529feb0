// One client of the control server (server.ts): a Connection, isolated from
// every other and from the supervisor. Its bytes are split into lines (at
// most MAX_REQUEST_LINE, else it gets an error and is dropped), each line is
// one request run on its own through dispatch.ts, and every failure —
// garbage, a thrown error, a rejected promise, a peer that vanished — ends as
// an error reply or a closed connection, never as an exception escaping into
// the supervisor.
//
// It keeps its part of the server's bounds on memory and fds (the whole rule
// is in server.ts's header): its own queue and requests in flight, a refusal
// of a large read-only reply when all clients together hold too much, and its
// close when idle; each constant below says what it bounds.

import type { Socket } from 'node:net';
import { DinitError } from '../errors.js';
import { formatBytes } from '../units.js';
import type { ControlTarget, EventRecord, LogLine } from './target.js';
import { dispatch } from './dispatch.js';
import { CappedLineReader, MAX_REQUEST_LINE, PROTOCOL_VERSION, encodeMessage, errorToWire, parseRequest, type RequestId, type ServerMessage } from './protocol.js';

/** What one client may have queued and unread before its requests wait and its follow lines drop. */
export const CLIENT_QUEUE_BOUND = 256 * 1024;
/** Unread output of all clients together past which replies are refused with BUSY. */
const TOTAL_QUEUE_BOUND = 64 * 1024 * 1024;
/** Requests of one connection running at once; more wait unread. */
const MAX_IN_FLIGHT = 16;
/** A connection with nothing in flight and no bytes either way for this long is closed. */
const IDLE_TIMEOUT_MS = 10_000;
/** Replies this small always go out (errors, status): refusing them would save nothing. */
const SMALL_REPLY = 4096;
/** A closing connection (or one refused) gets this long to flush what it was sent before it is destroyed. */
export const CLOSE_GRACE_MS = 300;

export interface ConnectionOptions {
  /** Problems worth a line in the supervisor's log (internal errors only; bad clients are not news). */
  onError?(msg: string): void;
  /** Close connections idle this long (default IDLE_TIMEOUT_MS; tests shorten it). */
  idleTimeoutMs?: number;
}

export function busy(why: string): DinitError {
  return new DinitError('BUSY', `the supervisor is busy: ${why}; try again`);
}

export class Connection {
  private readonly splitter: CappedLineReader;
  private readonly follows = new Map<RequestId, () => void>();
  /** Request lines that arrived while this client was over its bound: run once it reads. */
  private readonly waiting: string[] = [];
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly target: ControlTarget,
    private readonly opts: ConnectionOptions,
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
      const err = busy(`${formatBytes(held, { prose: true })} of replies are not yet read by clients`);
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
