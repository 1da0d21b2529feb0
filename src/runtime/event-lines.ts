// The words of dinit's own event lines: short, and saying what happened and why.
// `[dinit] ` is added by the log layer.

import type { ServiceEvent } from '../core/listener.js';
import { describeReason } from '../core/service.js';
import { formatDuration } from '../units.js';

export function eventLine(ev: ServiceEvent): string | null {
  switch (ev.type) {
    case 'spawned':
      return ev.waitingFor === 'exit 0' ? `${ev.name} running (pid ${ev.pid})` : `${ev.name} spawned (pid ${ev.pid}), waiting for readiness (${ev.waitingFor ?? 'none'})`;
    case 'started':
      return ev.pid === null ? `${ev.name} started` : `${ev.name} started (pid ${ev.pid})`;
    case 'exited':
      if (ev.expected) return null;
      return ev.signal ? `${ev.name} killed by ${ev.signal}` : `${ev.name} exited with code ${String(ev.code)}`;
    case 'restarting': {
      const how = ev.smooth ? '; smooth recovery: dependents keep running' : '';
      // attempt 0: a success exit (success-exit-codes) under restart: always, which restart-limit does not count.
      if (ev.attempt === 0) return `${ev.name} restarting in ${formatDuration(ev.delay)} (completed: not counted by restart-limit${how})`;
      return `${ev.name} restarting in ${formatDuration(ev.delay)} (restart ${ev.attempt} of ${ev.limit.count} within ${formatDuration(ev.limit.interval)}${how})`;
    }
    case 'stopping':
      return ev.cause.kind === 'requested' ? `${ev.name} stopping` : `${ev.name} stopping (${describeReason(ev.cause)})`;
    case 'stopped':
      return `${ev.name} stopped`;
    case 'killing':
      return ev.after > 0 ? `${ev.name} did not stop within stop-timeout ${formatDuration(ev.after)}, sending SIGKILL` : `${ev.name} killed (SIGKILL)`;
    case 'failed':
      switch (ev.reason.kind) {
        case 'exec-failed':
          return `${ev.name} failed to start: ${ev.reason.message}`;
        case 'restart-limit':
          return `${ev.name} failed: ${describeReason(ev.reason)}; giving up`;
        default:
          return `${ev.name} failed: ${describeReason(ev.reason)}`;
      }
    case 'unhealthy':
      return `${ev.name} unhealthy: ${ev.message}`;
    case 'shutdown':
      switch (ev.cause.kind) {
        case 'requested':
          return `shutting down (${ev.cause.by})`;
        case 'main':
          return `shutting down (main exited with code ${ev.cause.exitCode})`;
        case 'failure':
          return `shutting down (${ev.cause.service} failed and options.on-failure is shutdown)`;
        default: {
          const never: never = ev.cause;
          return String(never);
        }
      }
    case 'all-stopped':
      return 'all services stopped';
    default: {
      const never: never = ev;
      return String(never);
    }
  }
}
