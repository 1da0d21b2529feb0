// Readiness and health probes (SPEC §4): the process driver prepares notify
// channels before spawning, starts readiness after, and health once started.
// Every probe reports through callbacks and stops entirely on cancel().

export { prepareReadiness, startReadiness } from './readiness.js';
export type { ReadinessPrep } from './readiness.js';
export { startHealth } from './health.js';
export type { ProbeContext, Cancellable } from './context.js';
