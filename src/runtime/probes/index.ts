// Readiness and health probes (SPEC §4): the process driver prepares notify
// channels before spawning, starts readiness after, and health once started.
// Every probe reports through callbacks and stops entirely on cancel().

export { prepareReadiness, startReadiness, MAX_NOTIFY_FD } from './readiness.js';
export type { ReadinessPrep } from './readiness.js';
export { startHealth } from './health.js';
export type { HealthState } from './health.js';
export { describeProbe } from './checks.js';
export type { ProbeContext, ReadinessCallbacks, HealthCallbacks, Cancellable, CheckResult } from './context.js';
