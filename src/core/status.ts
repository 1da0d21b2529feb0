// What the outside sees of a service, and the small pure rules around it:
// the status row, dinit's exit code for a process end, and whether a reload
// changed a service's definition.

import type { ServiceConfig, ServiceStatus } from '../types.js';
import { signalNumber } from '../units.js';
import { describeReason, recovering, type ServiceRecord } from './service.js';

export function statusOf(s: ServiceRecord, wanted: boolean): ServiceStatus {
  const reason = s.failed ?? (s.state === 'stopped' ? (s.pinned ?? s.lastReason) : null);
  return {
    name: s.cfg.name,
    type: s.cfg.type,
    state: s.state,
    target: wanted ? 'up' : 'down',
    pid: s.pid,
    since: s.since,
    restarts: s.restarts,
    ready: s.state === 'started' && !recovering(s),
    failed: s.failed !== null,
    exitCode: s.exitCode,
    exitSignal: s.exitSignal,
    reason: reason ? describeReason(reason) : null,
    statusText: s.statusText,
    health: s.health,
  };
}

/**
 * Liveness: is the container beyond self-repair? A service that is starting,
 * restarting, recovering or stopped on request is healing or intended, so only
 * a service that failed for good (its restart limit exhausted, or a start that
 * failed with no restart left) makes it not live. A supervisor whose event
 * loop is stuck cannot answer at all, which a probe counts as a failure too.
 * Readiness is `ServiceSet.health()`: every service that should be up is
 * started and ready.
 */
export function liveness(rows: readonly ServiceStatus[]): { ok: boolean; problems: string[] } {
  const problems = rows.filter((s) => s.failed).map((s) => `${s.name}: failed${s.reason ? ` (${s.reason})` : ''}`);
  return { ok: problems.length === 0, problems };
}

/** The shell's convention: a code, or 128+N when killed by signal N. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal) {
    const n = signalNumber(signal);
    if (n !== undefined) return 128 + n;
  }
  return 1;
}

/** Same definition, ignoring where in the file it was written. */
export function sameDefinition(a: ServiceConfig, b: ServiceConfig): boolean {
  // Edges to replica instances compare as written (`depends-on: [db]`), so adding or removing instances of db changes nothing here.
  const folded = a.edgesAsWritten !== undefined && b.edgesAsWritten !== undefined;
  const edges = folded ? { dependsOn: [], dependsMs: [], waitsFor: [], after: [], before: [] } : {};
  const strip = (c: ServiceConfig): string => JSON.stringify({ ...c, ...edges, pos: undefined });
  return strip(a) === strip(b);
}
