// What the control server needs from a running supervisor. The supervisor
// (runtime/supervisor.ts) implements it; protocol tests use a fake.

import type { Config, LogLine, ResourceFigures, SelfFigures, ServiceStatus } from '../types.js';

export type { LogLine } from '../types.js';

/** What `dinit events` reports: one change of one service (or of dinit itself, as service 'dinit'). */
type EventKind = 'spawned' | 'started' | 'ready' | 'exited' | 'stopping' | 'killing' | 'stopped' | 'failed' | 'restarting' | 'unhealthy' | 'reloaded' | 'shutdown';

export interface EventRecord {
  /** ms since epoch */
  time: number;
  service: string;
  event: EventKind;
  pid: number | null;
  /** Why, in the words of dinit's event lines (null when there is nothing to add). */
  reason: string | null;
}

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
  /** Restarted: changed in how it is started. */
  changed: string[];
  /** Updated in place: only keys read at stop, exit, restart or probe time changed (absent from older supervisors). */
  updated?: string[];
}

/** What `dinit scale` did: instances of a replica group before and after, and which were started or stopped. */
export interface ScaleResult {
  name: string;
  from: number;
  to: number;
  added: string[];
  removed: string[];
  /** Per new instance, why it did not start. */
  failures: { service: string; reason: string }[];
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
  /**
   * Run `count` instances of the replica group `name` until the next reload
   * (new ones from the file's definition); resolves when the new instances are
   * started (or failed) and the ones beyond count stopped.
   */
  scale(name: string, count: number): Promise<ScaleResult>;
  /** Follow state changes of the named services (all, and dinit's own, if empty); returns an unsubscribe function. */
  followEvents(names: string[], onEvent: (ev: EventRecord) => void): () => void;
  /** Re-read the config file. Throws ConfigError (nothing changed) when invalid. */
  reload(): Promise<ReloadResult>;
  /** Begin an orderly shutdown; resolves once it has begun. */
  shutdown(): Promise<void>;
  health(probe: 'live' | 'ready'): HealthResult;
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
