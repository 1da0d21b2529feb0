// The port between the pure service graph and whatever runs services.
//
// The graph (core/service-set.ts) decides *what* should happen; a ServiceDriver
// does it (runtime/process-driver.ts with real processes, a scripted fake in
// tests) and reports back through DriverEvents. Calls in both directions may
// happen synchronously or later; the graph queues events it receives while it
// is busy, so a driver may call back from inside start()/stop().

import type { ServiceConfig } from '../types.js';

export interface ServiceDriver {
  /**
   * Bring the service up: spawn the process (process/scripted). Report
   * `spawned`, then `ready` once its readiness condition holds (at once if it
   * has none), or `exited`, or `startFailed` if nothing could be spawned.
   * Scripted services report `exited` when the command completes (code 0 = started).
   */
  start(svc: ServiceConfig): void;
  /**
   * Begin a graceful stop: send stop-signal to the process group (or run a
   * scripted service's stop-command). Report `exited` when nothing is left.
   * The graph enforces stop-timeout itself and then calls kill().
   */
  stop(svc: ServiceConfig): void;
  /** SIGKILL the service's process group and anything that left it. */
  kill(name: string): void;
  /** Send a signal to the service's process group; false if nothing is running. */
  signal(name: string, signal: NodeJS.Signals): boolean;
  /** Forget any per-service state (the service was removed by a reload). */
  forget?(name: string): void;
  /**
   * A reload changed only keys that apply in place (see config/keys.ts): the
   * running process stays; use `svc` from now on (e.g. restart its health probe).
   */
  update?(svc: ServiceConfig): void;
}

export interface DriverEvents {
  spawned(name: string, pid: number): void;
  /** The readiness condition holds (process services only). */
  ready(name: string): void;
  /**
   * `spawned` then `ready` for each of several services that have no
   * readiness condition, taken as one input (one reconcile for the batch).
   * Optional: a driver without it calls the two methods per service.
   */
  spawnedReady?(batch: readonly { name: string; pid: number }[]): void;
  /** The service's process (or scripted command / stop-command) ended. */
  exited(name: string, code: number | null, signal: NodeJS.Signals | null): void;
  /**
   * Nothing could be started (exec failure, unknown user, bad working-dir…). No
   * exited follows. `errno` (ENOENT, EACCES…) lets `main` exit 127/126 like a shell.
   * `transient` (EAGAIN, EMFILE, ENOMEM: out of resources for now) makes it a
   * failed attempt under the restart policy instead of a failure for good.
   */
  startFailed(name: string, message: string, errno?: string, transient?: boolean): void;
  /** Readiness can no longer succeed (e.g. probe misconfigured). The process is still running. */
  notReady?(name: string, message: string): void;
  /** Health probe succeeded (after start, or again after failures). */
  healthy?(name: string): void;
  /** Health probe failed `retries` times in a row: treat as a crash. */
  unhealthy(name: string, message: string): void;
  /** Free-form status from the service (systemd STATUS=, health summary). */
  statusText?(name: string, text: string): void;
}
