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

import type { TimerHandle } from './clock.js';
import type { ServiceConfig, ServiceState, StopReason } from '../types.js';

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
  /** Waiting out restart-delay before starting again. */
  restartTimer: TimerHandle | null;
  startTimer: TimerHandle | null;
  stopTimer: TimerHandle | null;
  /** Why the current stop happens (printed, then becomes lastReason). */
  stopCause: StopReason | null;
  /** When the process exits during this stop, the service is failed with this reason. */
  failOnExit: StopReason | null;
  /**
   * Restarting its process without leaving `started` (smooth-recovery, or
   * recycling after a failed health check): the exit is a crash to recover from.
   */
  recycling: StopReason | null;
  /** Smooth recovery in progress: state stays `started`, the process is being replaced. */
  smoothPending: boolean;
  /** Config changed by a reload: go down, then come back with the new definition. */
  needsRestart: boolean;
  /** Removed by a reload: dropped from the graph once stopped. */
  removed: boolean;
  /**
   * Added by a reload next to dependents that are already up (a new replica
   * instance): until it first starts or fails, it does not roll them back.
   */
  joining: boolean;
  health: 'unknown' | 'healthy' | 'unhealthy' | null;
  statusText: string | null;
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
    restartTimer: null,
    startTimer: null,
    stopTimer: null,
    stopCause: null,
    failOnExit: null,
    recycling: null,
    smoothPending: false,
    needsRestart: false,
    removed: false,
    joining: false,
    health: cfg.health ? 'unknown' : null,
    statusText: null,
  };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
  return `${Math.floor(ms / 3_600_000)}h${Math.floor((ms % 3_600_000) / 60_000)}m`;
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
    default: {
      const never: never = r;
      return String(never);
    }
  }
}
