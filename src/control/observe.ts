// What monitoring sees of a running supervisor: status rows with their
// resource figures (the socket's `status` and HTTP /status), and the
// Prometheus text exposition (format 0.0.4) of /metrics. Pure: everything
// comes from a ControlTarget's answers, so the socket and HTTP can never
// tell two different stories.
//
// Metric names, types and HELP follow Prometheus' naming guide: base units
// (seconds, bytes), `_total` on counters, one metric per meaning with the
// service as a label, and the standard `process_*` set for dinit itself.
// Written by hand rather than with prom-client: the format is ~40 lines
// here, and prom-client costs ~10 MiB of RSS and 40-70 ms of loading in the
// supervisor (measured; see the README).

import { exitCodeOf } from '../core/status.js';
import type { Counters } from './target.js';
import type { ResourceFigures, ServiceState, ServiceStatus } from '../types.js';

/** Status rows with cpuPercent, rssBytes and cpuSeconds (null where the service has no live process). */
export function withResources(rows: ServiceStatus[], figures: Record<string, ResourceFigures>): ServiceStatus[] {
  return rows.map((s) => {
    const f = figures[s.name];
    return {
      ...s,
      cpuPercent: f ? Math.round(f.cpuPercent * 10) / 10 : null,
      rssBytes: f ? f.rssBytes : null,
      cpuSeconds: f ? Math.round(f.cpuSeconds * 100) / 100 : null,
    };
  });
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The states of dinit_service_state: ServiceState plus `failed` (a stopped service that failed for good). */
const STATES: readonly (ServiceState | 'failed')[] = ['stopped', 'starting', 'started', 'stopping', 'failed'];

/** A label value as the exposition format wants it: backslash, double quote and newline escaped. */
export function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value: integers as they are, others with enough digits, NaN/Inf spelt the Prometheus way. */
function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
}

class Exposition {
  private out: string[] = [];
  family(name: string, type: 'gauge' | 'counter', help: string, samples: [labels: string, value: number][]): void {
    if (samples.length === 0) return;
    this.out.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.out.push(`${name}${labels ? `{${labels}}` : ''} ${num(value)}`);
  }
  text(): string {
    return this.out.join('\n') + '\n';
  }
}

export function renderMetrics(rows: ServiceStatus[], figures: Record<string, ResourceFigures>, counters: Counters): string {
  const e = new Exposition();
  const svc = (s: ServiceStatus): string => `service="${labelValue(s.name)}"`;
  const per = (value: (s: ServiceStatus) => number | null): [string, number][] =>
    rows.flatMap((s) => {
      const v = value(s);
      return v === null ? [] : [[svc(s), v] as [string, number]];
    });

  e.family(
    'dinit_service_up',
    'gauge',
    'Whether the service is started (1) or not (0).',
    per((s) => (s.state === 'started' ? 1 : 0)),
  );
  e.family(
    'dinit_service_ready',
    'gauge',
    'Whether the service is started and ready (1) or not (0).',
    per((s) => (s.ready ? 1 : 0)),
  );
  e.family(
    'dinit_service_state',
    'gauge',
    'The state the service is in: 1 for its current state, 0 for the others (failed: stopped after failing for good).',
    rows.flatMap((s) => {
      const now = s.failed && s.state === 'stopped' ? 'failed' : s.state;
      return STATES.map((st) => [`${svc(s)},state="${st}"`, st === now ? 1 : 0] as [string, number]);
    }),
  );
  e.family(
    'dinit_service_restarts_total',
    'counter',
    'Restarts of the service since dinit started.',
    per((s) => s.restarts),
  );
  e.family(
    'dinit_service_last_exit_code',
    'gauge',
    "Exit code of the service's last process (128+N when killed by signal N); absent before its first exit.",
    per((s) => (s.exitCode !== null || s.exitSignal ? exitCodeOf(s.exitCode, s.exitSignal as NodeJS.Signals | null) : null)),
  );
  e.family(
    'dinit_service_cpu_seconds_total',
    'counter',
    "CPU time (user and system) used by the live processes of the service's process group and session.",
    per((s) => figures[s.name]?.cpuSeconds ?? null),
  );
  e.family(
    'dinit_service_memory_bytes',
    'gauge',
    "Resident memory of the processes of the service's process group and session.",
    per((s) => figures[s.name]?.rssBytes ?? null),
  );
  e.family(
    'dinit_service_health_failures_total',
    'counter',
    'Failed health probe attempts of the service since dinit started.',
    per((s) => counters.healthFailures[s.name] ?? 0),
  );
  const dropped = Object.entries(counters.droppedLines);
  e.family('dinit_output_dropped_lines_total', 'counter', 'Output lines not written to the console because it was not read fast enough, per service ("dinit" for its own lines).', [
    ...rows.map((s) => [svc(s), counters.droppedLines[s.name] ?? 0] as [string, number]),
    ...dropped.filter(([n]) => !rows.some((s) => s.name === n)).map(([n, v]) => [`service="${labelValue(n)}"`, v] as [string, number]),
  ]);

  const p = counters.self;
  e.family('process_cpu_user_seconds_total', 'counter', 'User CPU time spent by dinit in seconds.', [['', p.cpuUserSeconds]]);
  e.family('process_cpu_system_seconds_total', 'counter', 'System CPU time spent by dinit in seconds.', [['', p.cpuSystemSeconds]]);
  e.family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent by dinit in seconds.', [['', p.cpuUserSeconds + p.cpuSystemSeconds]]);
  e.family('process_resident_memory_bytes', 'gauge', 'Resident memory size of dinit in bytes.', [['', p.rssBytes]]);
  e.family('process_heap_bytes', 'gauge', "Size of dinit's JavaScript heap in bytes.", [['', p.heapBytes]]);
  e.family('process_start_time_seconds', 'gauge', 'Start time of dinit since the Unix epoch in seconds.', [['', p.startTimeSeconds]]);
  if (p.openFds !== null) e.family('process_open_fds', 'gauge', 'Number of open file descriptors of dinit.', [['', p.openFds]]);
  if (p.maxFds !== null) e.family('process_max_fds', 'gauge', 'Maximum number of open file descriptors of dinit.', [['', p.maxFds]]);
  return e.text();
}
