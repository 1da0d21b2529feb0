// What the control server needs from a running supervisor. The supervisor
// (runtime/supervisor.ts) implements it; protocol tests use a fake.

import type { Config, LogLine, ResourceFigures, SelfFigures, ServiceStatus } from '../types.js';

export type { LogLine } from '../types.js';

export interface OrphanInfo {
  pid: number;
  comm: string;
}

export interface OpResult {
  ok: boolean;
  /** Per service, why it did not reach the wanted state. */
  failures: { service: string; reason: string }[];
}

export interface ReloadResult {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface HealthResult {
  ok: boolean;
  /** One line per service that should be up and is not (name: why). */
  problems: string[];
}

/** Running totals for /metrics, per service name (and "dinit" for dropped lines of dinit's own). */
export interface Counters {
  /** Failed health probe attempts. */
  healthFailures: Record<string, number>;
  /** Console lines dropped because nobody read the output fast enough. */
  droppedLines: Record<string, number>;
  /** The supervisor process itself. */
  self: SelfFigures;
}

export interface ControlTarget {
  /** Throws DinitError('UNKNOWN_SERVICE') naming the unknown ones. */
  status(names: string[]): ServiceStatus[];
  /** Resolve when every named service is started (ready) or has failed. */
  start(names: string[], wait: boolean): Promise<OpResult>;
  /** Stop the named services and their hard dependents; resolve when stopped. */
  stop(names: string[], wait: boolean): Promise<OpResult>;
  restart(names: string[], wait: boolean): Promise<OpResult>;
  /** Throws UNKNOWN_SERVICE, or OPERATION_FAILED if it is not running. */
  signal(name: string, signal: NodeJS.Signals): void;
  /** The last `n` buffered lines of the named services (all if empty), oldest first. */
  logs(names: string[], n: number): LogLine[];
  /** Follow new lines; returns an unsubscribe function. */
  followLogs(names: string[], onLine: (line: LogLine) => void): () => void;
  /** Re-read the config file. Throws ConfigError (nothing changed) when invalid. */
  reload(): Promise<ReloadResult>;
  /** Begin an orderly shutdown; resolves once it has begun. */
  shutdown(): Promise<void>;
  health(): HealthResult;
  /** The running configuration (for `graph`). */
  config(): Config;
  /** Resolve when all are started (ok) or any has failed (not ok), or after timeoutMs (not ok). */
  wait(names: string[], timeoutMs: number): Promise<OpResult>;
  /** Live processes reparented to dinit that no service owns (kept under `orphans: adopt`). */
  orphans(): OrphanInfo[];
  /**
   * CPU and memory of the named services' processes (all if empty), by name;
   * services with no live process are absent. Sampled from /proc when asked.
   */
  resources(names: string[]): Record<string, ResourceFigures>;
  counters(): Counters;
}
