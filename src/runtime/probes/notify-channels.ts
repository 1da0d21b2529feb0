// The two push-style readiness protocols, where the service tells dinit it is
// ready instead of being polled. Both need something set up before the spawn
// (a pipe slot, a socket and an env var), so they live in a channel created by
// prepareReadiness and read by startReadiness. A channel records what happened
// (state + last status) and replays it to a late listener, so the order of
// attach(), startReadiness() and the service's first message does not matter.
//
//   waiting ──ready──▶ ready   (still open: systemd STATUS= keeps flowing)
//      └─────fail───▶ failed
//   any ──close()──▶ closed    (fd/socket released; nothing is reported after)

import type { Readable } from 'node:stream';
import { errnoCode } from '../../os/errno.js';
import { openNotifySocket, parseNotifyMessage, type NotifySocket } from '../../os/notify-socket.js';
import { describeError, type ReadinessCallbacks } from './context.js';

/** What a channel reads of the spawned child: its fds as ChildProcess.stdio lays them out (os/ports.ts Child has this shape). */
export interface ChildStdio {
  readonly stdio: readonly unknown[];
}

/** - waiting: nothing said yet; ready / failed: the outcome; closed: released. */
export type ChannelState = 'waiting' | 'ready' | 'failed' | 'closed';

type Listener = Required<ReadinessCallbacks>;

export abstract class NotifyChannel {
  state: ChannelState = 'waiting';
  private failure = '';
  private status: string | undefined;
  private listener: Listener | undefined;

  /** Subscribe; what already happened is replayed on a microtask. Returns unsubscribe. */
  listen(l: Listener): () => void {
    this.listener = l;
    queueMicrotask(() => {
      if (this.listener !== l) return;
      if (this.status !== undefined) l.onStatus(this.status);
      if (this.state === 'ready') l.onReady();
      else if (this.state === 'failed') l.onFail(this.failure);
    });
    return () => {
      if (this.listener === l) this.listener = undefined;
    };
  }

  attach(_child: ChildStdio): void {}

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.listener = undefined;
    this.release();
  }

  protected abstract release(): void;

  protected ready(): void {
    if (this.state !== 'waiting') return;
    this.state = 'ready';
    this.listener?.onReady();
  }

  protected fail(message: string): void {
    if (this.state !== 'waiting') return;
    this.state = 'failed';
    this.failure = message;
    this.listener?.onFail(message);
  }

  protected setStatus(text: string): void {
    if (this.state === 'closed') return;
    this.status = text;
    this.listener?.onStatus(text);
  }
}

/** s6/dinit convention: the child writes "\n" to an inherited fd (a pipe whose read end dinit keeps). */
export class NotifyFdChannel extends NotifyChannel {
  private stream: Readable | undefined;

  constructor(readonly fd: number) {
    super();
  }

  override attach(child: ChildStdio): void {
    if (this.state === 'closed' || this.stream) return;
    const stream = child.stdio[this.fd] as Readable | null | undefined;
    if (!stream || typeof stream.on !== 'function') {
      this.fail(`fd ${this.fd} was not passed to the service as a pipe`);
      return;
    }
    this.stream = stream;
    // Keep draining after the newline: a service that writes more must not get EPIPE.
    stream.on('data', (chunk: Buffer) => {
      if (chunk.includes(10)) this.ready();
    });
    stream.on('error', (err) => this.fail(`notify fd ${this.fd}: ${describeError(err)}`));
    stream.on('close', () => this.fail('closed its notify fd without signalling readiness'));
  }

  protected release(): void {
    this.stream?.destroy();
  }
}

/** systemd convention: READY=1 (and STATUS=…) datagrams on $NOTIFY_SOCKET. */
export class NotifySystemdChannel extends NotifyChannel {
  private constructor(private readonly socket: NotifySocket) {
    super();
    socket.onMessage((text) => this.onMessage(text));
  }

  static open(): NotifySystemdChannel {
    return new NotifySystemdChannel(openNotifySocket());
  }

  get address(): string {
    return this.socket.address;
  }

  private onMessage(text: string): void {
    const msg = parseNotifyMessage(text);
    if (msg.status !== undefined || msg.errno !== undefined) {
      const code = msg.errno === undefined ? undefined : errnoCode(msg.errno);
      const err = msg.errno === undefined ? '' : `errno ${msg.errno}${code ? ' ' + code : ''}`;
      this.setStatus(msg.status !== undefined && err ? `${msg.status} (${err})` : (msg.status ?? err));
    }
    if (msg.ready) this.ready();
    else if (msg.stopping) this.fail('reported STOPPING=1 before READY=1');
  }

  protected release(): void {
    this.socket.close();
  }
}
