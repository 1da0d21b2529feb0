// The client side of the control protocol, used by the CLI verbs.
//
// Model: one connection per call. `request` sends one request and resolves
// with its result (or rejects with the DinitError the server answered);
// `stream` does the same and then keeps the connection to deliver stream
// events until either side closes. Every failure to talk to a supervisor is a
// DinitError('UNREACHABLE') whose message is one line with a hint, because it
// is what `docker exec CTR dinit status` prints when the container runs
// something else. Kept free of heavy imports: it runs on every CLI call.

import { createConnection, type Socket } from 'node:net';
import { ConfigError, DinitError, type ConfigIssue } from '../errors.js';
import { CappedLineReader, MAX_REPLY_LINE, PROTOCOL_VERSION, encodeMessage, parseServerMessage, wireToError, type Request, type StreamEvent, type Verb, type VerbArgs, type VerbResult } from './protocol.js';

export interface RequestOptions {
  /** Give up (UNREACHABLE) if no reply came within this many ms. No limit by default. */
  timeoutMs?: number;
}

export interface FollowStream<R> {
  /** The first reply's result (for `logs -f`: the backlog). */
  readonly result: R;
  /** Resolves when the connection ends: null if it just closed, else what went wrong. */
  readonly closed: Promise<DinitError | null>;
  close(): void;
}

let nextId = 1;

function unreachableMessage(socketPath: string): string {
  return `no dinit supervisor answers on ${socketPath} — is it running? pass --socket or set DINIT_SOCKET`;
}

function connectError(socketPath: string, err: NodeJS.ErrnoException): DinitError {
  switch (err.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
    case 'ENOTSOCK':
      return new DinitError('UNREACHABLE', unreachableMessage(socketPath), { path: socketPath }, err);
    case 'EACCES':
    case 'EPERM':
      return new DinitError('UNREACHABLE', `permission denied on ${socketPath} — the control socket belongs to the supervisor's user (run as that user, e.g. root)`, { path: socketPath }, err);
    default:
      return new DinitError('UNREACHABLE', `cannot reach a dinit supervisor on ${socketPath}: ${err.message}`, { path: socketPath }, err);
  }
}

/** A reply's error as thrown on this side: CONFIG_INVALID with issues becomes a ConfigError again. */
function replyError(e: { code: string; message: string; details?: Record<string, unknown> }): DinitError {
  const issues = e.details?.issues;
  if (e.code === 'CONFIG_INVALID' && Array.isArray(issues) && issues.length > 0) return new ConfigError(issues as ConfigIssue[]);
  return wireToError(e as Parameters<typeof wireToError>[0]);
}

interface Opened<R> {
  result: R;
  socket: Socket;
  closed: Promise<DinitError | null>;
}

export interface StreamHandlers<R> {
  /** The first reply's result, called before any event (the promise resolves a tick later). */
  onResult?(result: R): void;
  onEvent(ev: StreamEvent): void;
}

/** Connect, send one request, resolve on its reply; later stream events go to handlers.onEvent. */
function exchange<V extends Verb>(socketPath: string, verb: V, args: VerbArgs[V], opts: RequestOptions, handlers?: StreamHandlers<VerbResult[V]>): Promise<Opened<VerbResult[V]>> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    const socket = createConnection(socketPath);
    let answered = false;
    let connected = false;
    let failure: DinitError | null = null;
    let closedResolve!: (e: DinitError | null) => void;
    const closed = new Promise<DinitError | null>((r) => (closedResolve = r));
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            fail(new DinitError('UNREACHABLE', `the dinit supervisor on ${socketPath} did not answer within ${formatMs(opts.timeoutMs ?? 0)}`));
          }, opts.timeoutMs);

    function fail(err: DinitError): void {
      failure ??= err;
      if (!answered) {
        answered = true;
        reject(err);
      }
      socket.destroy();
    }

    const splitter = new CappedLineReader(
      MAX_REPLY_LINE,
      (line) => {
        let msg;
        try {
          msg = parseServerMessage(line);
        } catch (err) {
          return fail(err instanceof DinitError ? err : new DinitError('PROTOCOL', String(err)));
        }
        if ('event' in msg) {
          if (answered && msg.id === id) handlers?.onEvent(msg);
          return;
        }
        if (msg.id !== id) {
          // An error about the connection itself (id null): the request failed.
          if (msg.id === null && !msg.ok) fail(replyError(msg.error));
          return;
        }
        if (answered) return;
        answered = true;
        if (timer) clearTimeout(timer);
        if (msg.ok) {
          const result = msg.result as VerbResult[V];
          // Synchronously, so the result is handled before events that came in the same chunk.
          handlers?.onResult?.(result);
          resolve({ result, socket, closed });
          if (!handlers) socket.end();
        } else {
          reject(replyError(msg.error));
          socket.end();
        }
      },
      () => fail(new DinitError('PROTOCOL', 'reply from the supervisor exceeds the maximum line length')),
    );

    socket.on('connect', () => {
      connected = true;
      const req: Request<V> = { v: PROTOCOL_VERSION, id, verb, args };
      socket.write(encodeMessage(req));
    });
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) return fail(connectError(socketPath, err));
      if (!answered) fail(new DinitError('UNREACHABLE', `lost the connection to the dinit supervisor on ${socketPath}: ${err.message}`, {}, err));
    });
    socket.on('close', () => {
      if (timer) clearTimeout(timer);
      splitter.stop();
      if (!answered) {
        answered = true;
        reject(failure ?? new DinitError('UNREACHABLE', `the dinit supervisor on ${socketPath} closed the connection before answering`, { closedEarly: true }));
      }
      closedResolve(failure);
    });
  });
}

/** How long a client keeps retrying a supervisor that answers BUSY (too many clients, too much unread). */
const BUSY_RETRY_MS = 10_000;

/** exchange(), retried with backoff while the supervisor answers BUSY (it sheds load; it is not broken). */
async function exchangeRetrying<V extends Verb>(socketPath: string, verb: V, args: VerbArgs[V], opts: RequestOptions, handlers?: StreamHandlers<VerbResult[V]>): Promise<Opened<VerbResult[V]>> {
  const deadline = Date.now() + Math.min(opts.timeoutMs ?? BUSY_RETRY_MS, BUSY_RETRY_MS);
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    try {
      return await exchange(socketPath, verb, args, opts, handlers);
    } catch (err) {
      if (!(err instanceof DinitError) || err.code !== 'BUSY' || Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
    }
  }
}

/** Send one request and resolve with its result; rejects with the server's DinitError. */
export async function request<V extends Verb>(socketPath: string, verb: V, args: VerbArgs[V], opts: RequestOptions = {}): Promise<VerbResult[V]> {
  const { result } = await exchangeRetrying(socketPath, verb, args, opts);
  return result;
}

/**
 * Send one request that streams (`logs` with follow): resolves after the first
 * reply; events arrive on `onEvent` (after `onResult`) until the returned
 * stream is closed or the supervisor goes away.
 */
export async function stream<V extends Verb>(socketPath: string, verb: V, args: VerbArgs[V], handlers: StreamHandlers<VerbResult[V]>, opts: RequestOptions = {}): Promise<FollowStream<VerbResult[V]>> {
  const { result, socket, closed } = await exchangeRetrying(socketPath, verb, args, opts, handlers);
  return { result, closed, close: () => socket.destroy() };
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
