// Bits every client verb shares: the --socket option, where the socket is,
// and how long a quick question may take before the supervisor counts as
// unreachable (long operations — start, stop, reload, wait — have no limit).

import type { FollowStream } from '../control/client.js';
import { findSocket } from '../control/socket-path.js';
import type { CliContext } from './context.js';

export const SOCKET_OPTION = { socket: { type: 'string' } } as const;

/** status, health, logs, signal, config: a live supervisor answers these at once. */
export const QUICK_TIMEOUT_MS = 10_000;

export function socketOf(values: Record<string, unknown>, ctx: CliContext): string {
  const s = values.socket;
  return findSocket(typeof s === 'string' && s !== '' ? s : undefined, ctx.env, ctx.uid);
}

/**
 * A follow stream (`logs -f`, `events`) until the supervisor ends it or the user
 * interrupts (SIGINT/SIGTERM). An interrupt ends it quietly; anything else that
 * ends it with an error is thrown.
 */
export async function followUntilInterrupted(stop: AbortSignal, s: FollowStream<unknown>): Promise<void> {
  const onAbort = (): void => s.close();
  stop.addEventListener('abort', onAbort, { once: true });
  // An interrupt may have come while the stream connected (the caller checked before it awaited).
  if (stop.aborted) s.close();
  const err = await s.closed;
  stop.removeEventListener('abort', onAbort);
  if (err && !stop.aborted) throw err;
}
