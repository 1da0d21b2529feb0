// One service's record in the graph, and the words used to describe it.
//
// The model (after dinit's service.h, reworked as a level-triggered reconciler):
//
//   state   stopped → starting → started → stopping → stopped
//           what the service *is* doing. Only the graph changes it, in
//           response to driver events and its own decisions.
//
//   marks   what the service is *asked* to do, set by commands and outcomes:
//           - activated: explicitly wanted (auto-start, `dinit start`, main);
//           - pinned:    held down — stopped by request, completed (exit 0 with
//                        no restart), or taken down with a dependency that was;
//           - failed:    held down because it failed for good (restart limit,
//                        exec failure, start timeout) or a dependency did.
//
//   wanted  derived, never stored: not pinned, not failed, not shutting down,
//           and activated or required (depends-on, depends-ms, waits-for) by a
//           wanted dependent. Each reconcile pass recomputes it.
//
// Invariants the graph keeps:
//   - a service is `started` only while its hard dependencies are `started`
//     (a dependency that goes down first rolls its hard dependents back);
//   - a service starts only when every hard dependent is `stopped`, so a
//     restarted dependency never finds half of an old rollback still up;
//   - stopping goes dependents-first: a service stops only when no dependent
//     that is also going down is still up.

//
//   phase   what the service is in the middle of beyond its state: one value
//           of the Phase union below, never a combination of flags;
//   next    what happens once it is down: come back (`restart`, a reload that
//           changed it) or leave the graph (a reload removed it).
import type { TimerHandle } from './clock.js';
import type { ServiceConfig, ServiceState, StopReason } from '../types.js';
import { formatBytes, formatDuration } from '../units.js';

export interface ServiceRecord {
  cfg: ServiceConfig;
  state: ServiceState;
  since: number;
  pid: number | null;
  activated: boolean;
  pinned: StopReason | null;
  failed: StopReason | null;
  /** Why it last went down (for status), kept after it is up again until the next stop. */
  lastReason: StopReason | null;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  restarts: number;
  /** Times of recent automatic restarts (restart-limit window). */
  restartWindow: number[];
  startTimer: TimerHandle | null;
  stopTimer: TimerHandle | null;
  /** Why the current stop happens (printed, then becomes lastReason). */
  stopCause: StopReason | null;
  /** When the process exits during this stop, the service is failed with this reason. */
  failOnExit: StopReason | null;
  phase: Phase;
  next: Next;
  /**
   * Added by a reload next to dependents that are already up (a new replica
   * instance): until it first starts or fails, it does not roll them back.
   */
  joining: boolean;
  health: 'unknown' | 'healthy' | 'unhealthy' | null;
  statusText: string | null;
}

/**
 * What a service is in the middle of, beyond its state. One at a time; each
 * names the state it belongs to.
 *
 *   steady          nothing beyond the state.
 *   restart-delay   (stopped) it crashed and will start again when the timer
 *                   fires (restart-delay); a stop or a failure cancels it.
 *   smooth-delay    (started) smooth recovery: the process is gone, dependents
 *                   stay up, and the timer relaunches it.
 *   smooth-launch   (started) smooth recovery: the relaunched process is not
 *                   ready yet; held to start-timeout like a first start.
 *   recycling       (started) its process was signalled after a failed health
 *                   check; the exit is recovered from as after a crash.
 */
export type Phase = { kind: 'steady' } | { kind: 'restart-delay'; timer: TimerHandle } | { kind: 'smooth-delay'; timer: TimerHandle } | { kind: 'smooth-launch' } | { kind: 'recycling'; reason: StopReason };

/** Once down: stay (null), come back with its (new) definition, or leave the graph. */
type Next = null | 'restart' | 'remove';

export const STEADY: Phase = { kind: 'steady' };

/** Smooth recovery in progress: `started`, but its process is being replaced. */
export function recovering(s: ServiceRecord): boolean {
  return s.phase.kind === 'smooth-delay' || s.phase.kind === 'smooth-launch';
}

export function newRecord(cfg: ServiceConfig, now: number): ServiceRecord {
  return {
    cfg,
    state: 'stopped',
    since: now,
    pid: null,
    activated: cfg.autoStart,
    pinned: null,
    failed: null,
    lastReason: null,
    exitCode: null,
    exitSignal: null,
    restarts: 0,
    restartWindow: [],
    startTimer: null,
    stopTimer: null,
    stopCause: null,
    failOnExit: null,
    phase: STEADY,
    next: null,
    joining: false,
    health: cfg.health ? 'unknown' : null,
    statusText: null,
  };
}

/** A short human sentence for a StopReason, as shown in status and event lines. */
export function describeReason(r: StopReason): string {
  switch (r.kind) {
    case 'requested':
      return 'stopped on request';
    case 'completed':
      return 'exited 0 (completed)';
    case 'exited':
      return r.signal ? `killed by ${r.signal}` : `exited with code ${String(r.code)}`;
    case 'exec-failed':
      return r.message;
    case 'start-timeout':
      return `not ready within start-timeout ${formatDuration(r.after)}`;
    case 'restart-limit':
      return `restarted ${r.count} times within ${formatDuration(r.interval)} (restart-limit); last: ${describeReason(r.last)}`;
    case 'dependency':
      return `dependency ${r.service} ${r.failed ? 'failed' : 'stopped'}`;
    case 'health':
      return `health check failed: ${r.message}`;
    case 'probe':
      return `readiness check failed: ${r.message}`;
    case 'memory':
      return `memory ${formatBytes(r.rssBytes, { prose: true })} over max-memory ${formatBytes(r.limit, { prose: true })}`;
    default: {
      const never: never = r;
      return String(never);
    }
  }
}
