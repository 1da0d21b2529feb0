// What the outside sees of a service, and the small pure rules around it:
// the status row, liveness and readiness, dinit's exit code for a process end,
// and whether a reload changed a service's definition.

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
 * What a probe asks of the container (`dinit health --live/--ready`, and the
 * HTTP /livez and /readyz): the one home of both meanings.
 *
 * - live: is it worth keeping? Fails only for a service that failed for good
 *   (restart-limit, exec failure, start timeout, or a dependency that did):
 *   crash recovery, a restart in progress and `dinit stop` are all alive. (A
 *   supervisor too stuck to answer fails the probe by not answering.)
 * - ready: should it get traffic? Every service that should be up is started
 *   and ready and not unhealthy, and none the config starts (auto-start) is
 *   held down by `dinit stop` (or a dependency that was stopped).
 */
export type Probe = 'live' | 'ready';

/** Why `s` makes the container not alive, or null. `shouldBeUp`: the graph still holds it to be up. */
export function liveness(s: ServiceRecord, shouldBeUp: boolean): string | null {
  if (!shouldBeUp || !s.failed) return null;
  return `${s.cfg.name}: failed (${describeReason(s.failed)})`;
}

/** Why `s` makes the container not ready, or null. */
export function readiness(s: ServiceRecord, shouldBeUp: boolean): string | null {
  const n = s.cfg.name;
  if (!shouldBeUp) {
    // Held down by request while the config says it runs: the site it serves is down.
    if (s.cfg.autoStart && s.next !== 'remove' && s.pinned && s.pinned.kind !== 'completed' && s.state === 'stopped') {
      return `${n}: stopped (${describeReason(s.pinned)})`;
    }
    return null;
  }
  if (s.failed) return `${n}: failed (${describeReason(s.failed)})`;
  if (s.state !== 'started' || recovering(s)) return `${n}: ${s.state === 'started' ? 'recovering' : s.state}`;
  if (s.health === 'unhealthy') return `${n}: unhealthy`;
  return null;
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
function sameDefinition(a: ServiceConfig, b: ServiceConfig): boolean {
  // Edges to replica instances compare as written (`depends-on: [db]`), so adding or removing instances of db changes nothing here.
  const folded = a.edgesAsWritten !== undefined && b.edgesAsWritten !== undefined;
  const edges = folded ? { dependsOn: [], dependsMs: [], waitsFor: [], after: [], before: [] } : {};
  const strip = (c: ServiceConfig): string => JSON.stringify({ ...c, ...edges, pos: undefined });
  return strip(a) === strip(b);
}

/**
 * What a reload must do to a service whose definition went from `a` to `b`:
 * nothing, update it in place (only fields in `inPlace` differ: read at stop,
 * exit, restart or probe time), or restart it. `inPlace` comes from the key
 * table (config/keys.ts, `reload: 'in-place'`), as ServiceConfig field names.
 */
export function reloadAction(a: ServiceConfig, b: ServiceConfig, inPlace: ReadonlySet<string>): 'same' | 'in-place' | 'restart' {
  if (sameDefinition(a, b)) return 'same';
  const rest = (c: ServiceConfig): string => {
    const o: Record<string, unknown> = { ...c, pos: undefined };
    for (const f of inPlace) delete o[f];
    return JSON.stringify(o);
  };
  return rest(a) === rest(b) ? 'in-place' : 'restart';
}
