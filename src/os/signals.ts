// Signal names and numbers. Node speaks names ('SIGTERM'), the kernel and wait
// statuses speak numbers, and users write either ('TERM', 'SIGTERM', '15').
// The table is the running platform's own (os.constants.signals), so numbers
// are right on every architecture.

import { constants } from 'node:os';

const BY_NAME = constants.signals as Record<string, number>;
const BY_NUMBER = new Map<number, NodeJS.Signals>();
for (const [name, num] of Object.entries(BY_NAME)) {
  // Keep the first name for aliases (SIGIOT/SIGABRT, SIGPOLL/SIGIO): the table lists the usual one first.
  if (!BY_NUMBER.has(num)) BY_NUMBER.set(num, name as NodeJS.Signals);
}

/** 15 → 'SIGTERM'; null when the number is not a known signal. */
export function signalName(num: number): NodeJS.Signals | null {
  return BY_NUMBER.get(num) ?? null;
}

/** 'SIGTERM' → 15; null when unknown. */
export function signalNumber(name: string): number | null {
  return BY_NAME[name] ?? null;
}

/** Accept 'SIGTERM', 'TERM', 'term', 15 or '15'; null when it is not a signal. */
export function parseSignal(spec: string | number): NodeJS.Signals | null {
  if (typeof spec === 'number') return Number.isInteger(spec) ? signalName(spec) : null;
  const s = spec.trim();
  if (/^\d+$/.test(s)) return signalName(Number(s));
  const upper = s.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return name in BY_NAME ? (name as NodeJS.Signals) : null;
}

/** 128 + signal number: the exit code shells (and dinit) give a process killed by a signal. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (BY_NAME[signal] ?? 0);
}
