// Signal names and numbers for the OS side (wait statuses speak numbers):
// the one table is src/units.ts; these are its null-returning forms.

import { parseSignal as parse, signalNumber as numberOf } from '../units.js';

/** 15 → 'SIGTERM'; null when the number is not a known signal. */
export function signalName(num: number): NodeJS.Signals | null {
  return parse(num) ?? null;
}

/** 'SIGTERM' → 15; null when unknown. */
export function signalNumber(name: string): number | null {
  return numberOf(name) ?? null;
}

/** Accept 'SIGTERM', 'TERM', 'term', 15 or '15'; null when it is not a signal. */
export function parseSignal(spec: string | number): NodeJS.Signals | null {
  if (typeof spec === 'number' && !Number.isInteger(spec)) return null;
  return parse(spec) ?? null;
}

/** 128 + signal number: the exit code shells (and dinit) give a process killed by a signal. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (numberOf(signal) ?? 0);
}
