// What a schedule's tick does to the graph, and how schedules show in
// `dinit status`. The Scheduler keeps the times; this decides what a tick
// means: a `schedule:` job runs (unless its last run is still going), a
// `restart-schedule:` service restarts (if it is up).

import type { ServiceSet } from '../core/service-set.js';
import type { ServiceStatus } from '../types.js';
import type { Scheduler, ScheduleKind } from './scheduler.js';

/** A schedule's tick: run the job (unless a run is still going), or restart the service (if it is up). */
export function scheduleTick(set: ServiceSet, note: (message: string) => void, name: string, kind: ScheduleKind): 'ran' | 'skipped' {
  const s = set.get(name);
  if (!s || set.isShuttingDown()) return 'skipped';
  if (kind === 'restart') {
    if (s.state !== 'started') return 'skipped';
    note(`${name}: restart-schedule ${s.cfg.restartSchedule ?? ''}: restarting`);
    set.restart([name]);
    return 'ran';
  }
  if (s.state === 'starting' || s.state === 'stopping') {
    note(`${name}: schedule ${s.cfg.schedule ?? ''}: the last run is still going, this tick is skipped`);
    return 'skipped';
  }
  runNow(set, [name]);
  return 'ran';
}

/** Start `names`; scheduled jobs that completed are `started`: running them again is a restart. */
export function runNow(set: ServiceSet, names: string[]): void {
  const again = names.filter((n) => set.get(n)?.cfg.schedule !== undefined && set.get(n)?.state === 'started');
  if (again.length) set.restart(again);
  const rest = names.filter((n) => !again.includes(n));
  if (rest.length) set.start(rest);
}

/** Fill in the schedule of each scheduled row (and its status text, when it has none). */
export function addSchedules(rows: ServiceStatus[], scheduler: Scheduler): ServiceStatus[] {
  for (const row of rows) {
    const info = scheduler.info(row.name);
    if (!info) continue;
    row.schedule = { next: info.next, lastRun: info.lastRun, lastExit: info.kind === 'run' && info.lastRun !== null ? row.exitCode : null, skipped: info.skipped };
    if (row.statusText === null && info.next !== null) {
      const skipped = info.skipped ? `; ${info.skipped} tick${info.skipped === 1 ? '' : 's'} skipped` : '';
      row.statusText = `next ${info.kind === 'run' ? 'run' : 'restart'} ${new Date(info.next).toISOString()}${skipped}`;
    }
  }
  return rows;
}
