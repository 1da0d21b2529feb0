// What the outside sees of a service, and the small pure rules around it:
// the status row, dinit's exit code for a process end, and whether a reload
// changed a service's definition.

import type { ServiceConfig, ServiceStatus } from '../types.js';
import { describeReason, recovering, type ServiceRecord } from './service.js';

export function statusOf(s: ServiceRecord, wanted: boolean): ServiceStatus {
  const reason = s.failed ?? (s.state === 'stopped' ? (s.pinned ?? s.lastReason) : null);
  return {
    name: s.cfg.name,
    type: s.cfg.type,
    state: s.state,
    target: wanted ? 'up' : 'down',
    pid: s.pid,
    since: s.since,
    restarts: s.restarts,
    ready: s.state === 'started' && !recovering(s),
    failed: s.failed !== null,
    exitCode: s.exitCode,
    exitSignal: s.exitSignal,
    reason: reason ? describeReason(reason) : null,
    statusText: s.statusText,
    health: s.health,
  };
}

/** The shell's convention: a code, or 128+N when killed by signal N. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal) {
    const n = signalNumbers[signal];
    if (n !== undefined) return 128 + n;
  }
  return 1;
}

// The Linux numbers, so the core needs no `os` import; runtime passes names.
const signalNumbers: Partial<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
};

/** Same definition, ignoring where in the file it was written. */
export function sameDefinition(a: ServiceConfig, b: ServiceConfig): boolean {
  const strip = (c: ServiceConfig): string => JSON.stringify({ ...c, pos: undefined });
  return strip(a) === strip(b);
}
