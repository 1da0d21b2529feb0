// Readiness: when a spawned process service counts as *started* (SPEC §4).
// Polling kinds (tcp, http, exec) try at once and then every `interval` until
// one attempt succeeds; `log` waits for a matching output line; the notify kinds
// wait for the service to say so. There is no deadline here: start-timeout is
// the graph's, which cancels us. Exactly one of onReady/onFail is reported, and
// only for conditions that can never hold (bad URL, bad regex, notify fd closed)
// is it onFail; nothing at all is reported after cancel().
//
// The lifecycle, as the process driver uses it:
//   prep = await prepareReadiness(spec, name)   // before spawn: env + extra stdio
//   child = spawn(..., { env: {...env, ...prep.env}, stdio: [0, 1, 2, ...prep.stdio] })
//   prep.attach(child)
//   handle = startReadiness(spec, ctx, prep, cb)
//   … handle.cancel() / prep.close() when the process exits or is stopped.
// For notify systemd the socket stays open after onReady, so later STATUS=
// lines still reach onStatus, until cancel() or prep.close().

import { DinitError } from '../../errors.js';
import type { ReadySpec } from '../../types.js';
import type { ChildStdio } from './notify-channels.js';
import { checkFor, describeProbe } from './checks.js';
import type { Cancellable, ProbeContext, ReadinessCallbacks } from './context.js';
import { compilePattern, watchLines } from './log-watch.js';
import { NotifyFdChannel, NotifySystemdChannel, type NotifyChannel } from './notify-channels.js';
import { poll } from './poller.js';

export interface ReadinessPrep {
  /** Merge into the child's environment (DINIT_READY_FD, NOTIFY_SOCKET). */
  env: Record<string, string>;
  /** Extra stdio slots for the spawn, from fd 3 upward. */
  stdio: ('pipe' | 'ignore')[];
  /** After spawn: take the notify pipe's read end from the child. */
  attach(child: ChildStdio): void;
  /** Release the notify pipe/socket (idempotent; also done by cancel()). */
  close(): void;
}

/** The highest notify fd accepted: each slot below it costs an 'ignore' entry. */
const MAX_NOTIFY_FD = 255;

const channels = new WeakMap<ReadinessPrep, NotifyChannel>();

function prepFor(channel: NotifyChannel | undefined, env: Record<string, string>, stdio: ('pipe' | 'ignore')[]): ReadinessPrep {
  const prep: ReadinessPrep = {
    env,
    stdio,
    attach: (child) => channel?.attach(child),
    close: () => channel?.close(),
  };
  if (channel) channels.set(prep, channel);
  return prep;
}

export async function prepareReadiness(spec: ReadySpec | undefined, service: string): Promise<ReadinessPrep> {
  const probe = spec?.probe;
  if (probe?.kind === 'notify-fd') {
    const fd = probe.fd;
    if (!Number.isInteger(fd) || fd < 3 || fd > MAX_NOTIFY_FD) {
      throw new DinitError('OPERATION_FAILED', `${service}: notify fd must be a number from 3 to ${MAX_NOTIFY_FD}, not ${fd}`, {
        service,
        fd,
      });
    }
    const stdio: ('pipe' | 'ignore')[] = new Array<'ignore'>(fd - 3).fill('ignore');
    stdio.push('pipe');
    return prepFor(new NotifyFdChannel(fd), { DINIT_READY_FD: String(fd) }, stdio);
  }
  if (probe?.kind === 'notify-systemd') {
    let channel: NotifySystemdChannel;
    try {
      channel = NotifySystemdChannel.open();
    } catch (err) {
      throw new DinitError('OPERATION_FAILED', `${service}: cannot set up NOTIFY_SOCKET: ${err instanceof Error ? err.message : String(err)}`, { service }, err);
    }
    return prepFor(channel, { NOTIFY_SOCKET: channel.address }, []);
  }
  return prepFor(undefined, {}, []);
}

export function startReadiness(spec: ReadySpec, ctx: ProbeContext, prep: ReadinessPrep, cb: ReadinessCallbacks): Cancellable {
  let settled = false;
  let cancelled = false;
  const stops: (() => void)[] = [];
  const ready = (): void => {
    if (settled || cancelled) return;
    settled = true;
    cb.onReady();
  };
  const fail = (message: string): void => {
    if (settled || cancelled) return;
    settled = true;
    cb.onFail(message);
  };
  const status = (text: string): void => {
    if (!cancelled) cb.onStatus?.(text);
  };
  const failSoon = (message: string): void => {
    const t = ctx.clock.setTimer(0, () => fail(message));
    stops.push(() => ctx.clock.clearTimer(t));
  };

  const probe = spec.probe;
  switch (probe.kind) {
    case 'tcp':
    case 'http':
    case 'exec': {
      const check = checkFor(probe, ctx, spec.timeout)!;
      const what = describeProbe(probe);
      let last = '';
      const poller = poll(ctx.clock, check, spec.interval, (r) => {
        if (r.ok) {
          ready();
          return 'stop';
        }
        if (r.permanent) {
          fail(`${what}: ${r.message}`);
          return 'stop';
        }
        if (r.message !== last) status(`waiting for ${what}: ${r.message}`);
        last = r.message;
        return 'continue';
      });
      stops.push(() => poller.cancel());
      break;
    }
    case 'log': {
      const re = compilePattern(probe.pattern);
      if (typeof re === 'string') failSoon(re);
      else {
        const watch = watchLines(re, (l) => ctx.onLine(l), ready);
        stops.push(() => watch.cancel());
      }
      break;
    }
    case 'notify-fd':
    case 'notify-systemd': {
      const channel = channels.get(prep);
      if (!channel || channel.state === 'closed') {
        failSoon(`${describeProbe(probe)}: ${channel ? 'the notify channel was already closed' : 'prepareReadiness() was not called for this spawn'}`);
        break;
      }
      const unlisten = channel.listen({ onReady: ready, onFail: fail, onStatus: status });
      stops.push(() => {
        unlisten();
        channel.close();
      });
      break;
    }
    default: {
      const never: never = probe;
      throw new Error(`unknown probe kind ${JSON.stringify(never)}`);
    }
  }

  return {
    cancel() {
      if (cancelled) return;
      cancelled = true;
      for (const stop of stops.splice(0)) stop();
    },
  };
}
