// One run of a service as the ProcessDriver tracks it: the process (or, for
// type: forking, its adopted daemon), its readiness preparation and probes,
// and how it is ending. A run is replaced, never reused: its generation
// number lets late callbacks of an older run be told apart and dropped.

import type { Child } from '../os/ports.js';
import type { Cancellable, ReadinessPrep } from './probes/index.js';

export interface Running {
  gen: number;
  child: Child | null;
  pid: number | null;
  prep: ReadinessPrep | null;
  probes: Cancellable[];
  /** A scripted service's stop-command runs as its own child. */
  stopping: boolean;
  exited: boolean;
  /** type: forking: the command (the launcher) ran; now `pid` is its daemon's, adopted from the pid file. */
  daemon?: boolean;
  /** stop() was asked while the process ran: its exit is the stop's, whatever it was. */
  stopRequested?: boolean;
  /** Once ready: the health probe (replaced when a reload changes `health`) and the env it runs with. */
  health?: { probe: Cancellable | null; env: Record<string, string> };
}

/** The pid of a spawned process that has not exited; known as soon as spawn() returns. */
export function livePid(run: Running): number | null {
  if (run.exited) return null;
  return run.pid ?? run.child?.pid ?? null;
}

/** A fresh run: `stopping` for a scripted service's stop-command. */
export function newRun(gen: number, stopping: boolean): Running {
  return { gen, child: null, pid: null, prep: null, probes: [], stopping, exited: false };
}
