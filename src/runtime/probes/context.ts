// The vocabulary shared by the probe modules: what a probe may know about the
// service it checks (ProbeContext, given by the process driver), the outcome of
// one attempt, and the callbacks through which readiness and health report.
// Probes never decide anything about the service: they only observe and report.

import type { Clock } from '../../core/clock.js';
import type { ProcessHost } from '../../os/ports.js';

export interface ProbeContext {
  service: string;
  /** Where exec probes spawn their command (and kill it on a timeout). */
  host: ProcessHost;
  /** The pollers' timers and the health start period run on it. */
  clock: Clock;
  /** The service's full environment (exec probes run with it). */
  env: Record<string, string>;
  /** The service's working directory (exec probes run there). */
  cwd?: string;
  /** Subscribe to the service's output lines (for `log:` probes); returns unsubscribe. */
  onLine(cb: (line: string) => void): () => void;
}

/**
 * One attempt of a polling probe. `permanent` marks failures no retry can fix
 * (an invalid URL, an empty command): readiness gives up on them at once.
 */
export type CheckResult = { ok: true } | { ok: false; message: string; permanent?: boolean };

/** Runs one attempt; must settle within its timeout and stop everything when `signal` aborts. */
export type Check = (signal: AbortSignal) => Promise<CheckResult>;

export interface ReadinessCallbacks {
  onReady(): void;
  onFail(message: string): void;
  /** Free text for `dinit status`: why it is not ready yet, systemd STATUS=, … */
  onStatus?(text: string): void;
}

export interface HealthCallbacks {
  onHealthy(): void;
  onUnhealthy(message: string): void;
  onStatus?(text: string): void;
}

export interface Cancellable {
  cancel(): void;
}

/** Error text worth showing: AggregateError (happy-eyeballs connects) has an empty message. */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    return [...new Set(err.errors.map(describeError))].join('; ');
  }
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}
