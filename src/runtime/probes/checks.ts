// Which attempt function a polling probe kind uses. Push-style kinds (log,
// notify-fd, notify-systemd) are not polled and have no Check.

import type { ProbeSpec } from '../../types.js';
import type { Check, ProbeContext } from './context.js';
import { execCheck } from './exec-check.js';
import { httpCheck } from './http-check.js';
import { tcpCheck } from './tcp-check.js';

/** Used when a spec carries no usable timeout (the config normally sets one). */
const FALLBACK_TIMEOUT = 1000;

export function checkFor(probe: ProbeSpec, ctx: ProbeContext, timeout: number): Check | undefined {
  const ms = timeout > 0 ? timeout : FALLBACK_TIMEOUT;
  switch (probe.kind) {
    case 'tcp':
      return (signal) => tcpCheck(probe.host, probe.port, ms, signal);
    case 'http':
      return (signal) => httpCheck(probe.url, ms, signal);
    case 'exec':
      return (signal) => execCheck(probe.command, ctx, ms, signal);
    case 'log':
    case 'notify-fd':
    case 'notify-systemd':
      return undefined;
    default: {
      const never: never = probe;
      throw new Error(`unknown probe kind ${JSON.stringify(never)}`);
    }
  }
}

/** A short description for messages: "tcp 127.0.0.1:5432", "http http://…/health". */
export function describeProbe(probe: ProbeSpec): string {
  switch (probe.kind) {
    case 'tcp':
      return `tcp ${probe.host.includes(':') ? `[${probe.host}]` : probe.host}:${probe.port}`;
    case 'http':
      return `http ${probe.url}`;
    case 'exec':
      return `exec ${probe.command.join(' ')}`;
    case 'log':
      return `log /${probe.pattern}/`;
    case 'notify-fd':
      return `notify fd ${probe.fd}`;
    case 'notify-systemd':
      return 'notify systemd';
    default: {
      const never: never = probe;
      throw new Error(`unknown probe kind ${JSON.stringify(never)}`);
    }
  }
}
