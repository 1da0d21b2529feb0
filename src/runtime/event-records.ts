// The graph's events as `dinit events` reports them: one record per change,
// with the time, the service (or `dinit` for the supervisor's own), what
// happened and why — the same words as the `[dinit]` event lines. Exits seen
// during a requested stop are left out (the `stopped` record says it); a
// process service started through a readiness condition reports `ready` then
// `started`.

import type { ServiceEvent } from '../core/listener.js';
import { describeReason } from '../core/service.js';
import { formatDuration } from '../units.js';
import type { EventRecord } from '../control/target.js';

/** The name dinit's own records carry (reserved: no service may be called so). */
export const DINIT_SOURCE = 'dinit';

export function eventRecords(ev: ServiceEvent, time: number, hasReadiness: (name: string) => boolean): EventRecord[] {
  const rec = (service: string, event: EventRecord['event'], pid: number | null, reason: string | null): EventRecord => ({ time, service, event, pid, reason });
  switch (ev.type) {
    case 'spawned':
      return [rec(ev.name, 'spawned', ev.pid, ev.waitingFor === null ? null : `waiting for ${ev.waitingFor}`)];
    case 'started':
      return hasReadiness(ev.name) ? [rec(ev.name, 'ready', ev.pid, null), rec(ev.name, 'started', ev.pid, null)] : [rec(ev.name, 'started', ev.pid, null)];
    case 'exited':
      if (ev.expected) return [];
      return [rec(ev.name, 'exited', null, ev.signal ? `killed by ${ev.signal}` : `exited with code ${String(ev.code)}`)];
    case 'restarting': {
      const counted = ev.attempt === 0 ? 'completed: not counted by restart-limit' : `restart ${ev.attempt} of ${ev.limit.count} within ${formatDuration(ev.limit.interval)}`;
      return [rec(ev.name, 'restarting', null, `in ${formatDuration(ev.delay)} (${counted}${ev.smooth ? '; smooth recovery' : ''})`)];
    }
    case 'stopping':
      return [rec(ev.name, 'stopping', null, describeReason(ev.cause))];
    case 'killing':
      return [rec(ev.name, 'killing', null, ev.after > 0 ? `did not stop within stop-timeout ${formatDuration(ev.after)}` : 'SIGKILL')];
    case 'stopped':
      return [rec(ev.name, 'stopped', null, null)];
    case 'failed':
      return [rec(ev.name, 'failed', null, describeReason(ev.reason))];
    case 'unhealthy':
      return [rec(ev.name, 'unhealthy', null, ev.message)];
    case 'shutdown': {
      const c = ev.cause;
      const why = c.kind === 'requested' ? c.by : c.kind === 'main' ? `main exited with code ${c.exitCode}` : `${c.service} failed and options.on-failure is shutdown`;
      return [rec(DINIT_SOURCE, 'shutdown', null, why)];
    }
    case 'all-stopped':
      return [];
    default: {
      const never: never = ev;
      return [String(never)] as never;
    }
  }
}
