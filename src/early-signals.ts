// Signals that arrive before dinit is ready for them. As PID 1, a signal with
// no handler is discarded by the kernel: a `docker stop` during start-up (Node
// loading dinit, dinit loading the config) would be lost and the container run
// on until Docker's SIGKILL. So the launcher (bin/dinit.cjs, and the portable
// bundle's copy of it) installs handlers for TERM, INT and HUP as the very
// first thing it does and records what arrives in a global; the supervisor
// takes them over once its own handlers are in place (runtime/run.ts), and
// every other verb gives them back (a signal that came meanwhile ends it as it
// would have). The window left is Node's own boot, before the launcher runs.

import { signalNumber } from './units.js';

/** What the launcher puts at globalThis[Symbol.for('dinit.early-signals')]. */
interface EarlySignals {
  got: NodeJS.Signals[];
  on: (sig: NodeJS.Signals) => void;
}

const KEY = Symbol.for('dinit.early-signals');
const EARLY_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * Remove the launcher's handlers and return the signals they caught, oldest
 * first. Call it in the same tick as installing the real handlers, so no
 * signal falls between the two (signal callbacks run from the event loop).
 */
export function takeEarlySignals(): NodeJS.Signals[] {
  const g = globalThis as { [KEY]?: EarlySignals };
  const early = g[KEY];
  if (!early) return [];
  delete g[KEY];
  for (const s of EARLY_SIGNALS) process.off(s, early.on);
  return early.got;
}

/** Not a supervisor: default signal behaviour back; a TERM/INT/HUP that came meanwhile ends the process now. */
export function releaseEarlySignals(): void {
  const got = takeEarlySignals();
  if (got.length > 0) process.exit(128 + (signalNumber(got[0] as NodeJS.Signals) ?? 0));
}
