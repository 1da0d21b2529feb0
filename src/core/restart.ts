// Restart decisions, kept apart from the graph so they read as the rules they are.
//
// A restart limit is a sliding window: more than `count` restarts within
// `interval` means the service is failing for good. The window holds the times of
// past restarts; a crash is allowed to restart when fewer than `count` of them
// are younger than `interval`.

import type { RestartLimit, RestartPolicy, ServiceConfig } from '../types.js';

/** An exit the service's success-exit-codes count as completed (never a signal). */
export function isSuccessExit(cfg: Pick<ServiceConfig, 'successExitCodes'>, code: number | null, signal: NodeJS.Signals | null): boolean {
  return signal === null && code !== null && cfg.successExitCodes.includes(code);
}

/** Does this exit call for a restart under the policy (before the limit is checked)? `clean`: a success exit. */
export function wantsRestart(policy: RestartPolicy, clean: boolean): boolean {
  switch (policy) {
    case 'always':
      return true;
    case 'on-failure':
      return !clean;
    case 'never':
      return false;
    default: {
      const never: never = policy;
      throw new Error(`unknown restart policy ${String(never)}`);
    }
  }
}

/**
 * Record a restart attempt at `now` if the limit allows it. Returns the pruned
 * window with `now` appended, or null if the limit is exceeded.
 */
export function admitRestart(window: readonly number[], limit: RestartLimit, now: number): number[] | null {
  const recent = window.filter((t) => now - t < limit.interval);
  if (recent.length >= limit.count) return null;
  recent.push(now);
  return recent;
}
