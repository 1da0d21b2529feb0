// Schedules: `schedule:` runs a scripted service on cron ticks, and
// `restart-schedule:` restarts a process service on them. Time comes through
// the Clock port, so tests fire ticks with the fake clock; the cron arithmetic
// is config/cron.ts's (one home for the library).
//
// Model: one timer per scheduled service, armed for its next tick. A timer
// waits at most MAX_WAIT and then re-arms from the clock (Node's timers cannot
// wait longer than 2^31-1 ms, and a long wait should follow clock changes). At
// a tick the action says whether it ran or had to skip (a run still going, a
// service not up); skipped ticks are counted for `dinit status`. configure()
// (at start and on every reload) keeps the figures of a service whose
// schedule did not change and re-arms the others.

import type { Clock, TimerHandle } from '../core/clock.js';
import { nextTick } from '../config/cron.js';
import type { ServiceConfig } from '../types.js';

const MAX_WAIT_MS = 60 * 60 * 1000;

export type ScheduleKind = 'run' | 'restart';

export interface ScheduleActions {
  /** A tick came: run (or restart) the service, or say it was skipped. */
  fire(name: string, kind: ScheduleKind): 'ran' | 'skipped';
  /** dinit's own environment's TZ: the default time zone. */
  timezone?: string;
}

interface Entry {
  kind: ScheduleKind;
  pattern: string;
  timezone: string | undefined;
  next: number | null;
  timer: TimerHandle | null;
  lastRun: number | null;
  skipped: number;
}

export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly actions: ScheduleActions,
  ) {}

  configure(services: readonly ServiceConfig[]): void {
    const wanted = new Map<string, { kind: ScheduleKind; pattern: string; timezone: string | undefined }>();
    for (const s of services) {
      const timezone = s.scheduleTimezone ?? this.actions.timezone;
      if (s.schedule !== undefined) wanted.set(s.name, { kind: 'run', pattern: s.schedule, timezone });
      else if (s.restartSchedule !== undefined) wanted.set(s.name, { kind: 'restart', pattern: s.restartSchedule, timezone });
    }
    for (const [name, e] of this.entries) {
      const w = wanted.get(name);
      if (w && w.kind === e.kind && w.pattern === e.pattern && w.timezone === e.timezone) continue;
      this.cancel(e);
      this.entries.delete(name);
    }
    for (const [name, w] of wanted) {
      if (this.entries.has(name)) continue;
      const e: Entry = { ...w, next: null, timer: null, lastRun: null, skipped: 0 };
      this.entries.set(name, e);
      this.arm(name, e);
    }
  }

  /** The service ran (a tick, or `dinit start` by hand): for `lastRun` in status. */
  ran(name: string): void {
    const e = this.entries.get(name);
    if (e) e.lastRun = this.clock.now();
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  info(name: string): { kind: ScheduleKind; next: number | null; lastRun: number | null; skipped: number } | undefined {
    const e = this.entries.get(name);
    return e && { kind: e.kind, next: e.next, lastRun: e.lastRun, skipped: e.skipped };
  }

  /** Shutdown: no more ticks. */
  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) this.cancel(e);
  }

  private cancel(e: Entry): void {
    if (e.timer) this.clock.clearTimer(e.timer);
    e.timer = null;
  }

  /** Arm the timer for the first tick after `from`. */
  private arm(name: string, e: Entry, from: number = this.clock.now()): void {
    if (this.stopped) return;
    e.next = nextTick(e.pattern, from, e.timezone);
    if (e.next === null) return;
    const due = e.next;
    e.timer = this.clock.setTimer(Math.min(Math.max(0, due - this.clock.now()), MAX_WAIT_MS), () => {
      e.timer = null;
      if (this.entries.get(name) !== e || this.stopped) return;
      // A capped wait (or a timer a little early): wait again for the same tick.
      if (this.clock.now() < due) return this.arm(name, e, from);
      if (this.actions.fire(name, e.kind) === 'skipped') e.skipped++;
      else if (e.kind === 'restart') e.lastRun = this.clock.now();
      this.arm(name, e, Math.max(this.clock.now(), due));
    });
  }
}
