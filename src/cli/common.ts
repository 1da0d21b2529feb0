// Bits every client verb shares: the --socket option, where the socket is,
// and how long a quick question may take before the supervisor counts as
// unreachable (long operations — start, stop, reload, wait — have no limit).

import { findSocket } from '../control/socket-path.js';
import type { CliContext } from './context.js';

export const SOCKET_OPTION = { socket: { type: 'string' } } as const;

/** status, health, logs, signal, config: a live supervisor answers these at once. */
export const QUICK_TIMEOUT_MS = 10_000;

export function socketOf(values: Record<string, unknown>, ctx: CliContext): string {
  const s = values.socket;
  return findSocket(typeof s === 'string' && s !== '' ? s : undefined, ctx.env, ctx.uid);
}
