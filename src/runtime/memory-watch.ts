// max-memory: every service with a limit has the resident memory of its
// process group and session compared with it, each on its own
// max-memory-interval. One timer (through the Clock port) ticks at the
// shortest interval; a tick samples /proc once (the same sampler as `dinit
// status` and the metrics, so there is one walk of /proc and CPU% history
// stays whole) and only when a service is due. A service over its limit is
// handed to the graph, which restarts it as after a crash.

import type { Clock, TimerHandle } from '../core/clock.js';
import type { ResourceFigures, ServiceConfig } from '../types.js';

export interface Watched {
  name: string;
  pid: number;
  limit: number;
  interval: number;
}

export interface MemoryWatchDeps {
  /** Services with max-memory and a live process. */
  watched(): Watched[];
  /** Figures by leader pid (at least for those asked). */
  sample(pids: number[]): Map<number, ResourceFigures>;
  over(name: string, rssBytes: number, limit: number): void;
}

export class MemoryWatch {
  private timer: TimerHandle | null = null;
  private tickMs = 0;
  /** When each service is next due (clock time). */
  private due = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly deps: MemoryWatchDeps,
  ) {}

  /** (Re)arm for these services: no timer at all when none has max-memory. */
  configure(services: readonly ServiceConfig[]): void {
    let tick = 0;
    for (const s of services) if (s.maxMemory && (tick === 0 || s.maxMemory.interval < tick)) tick = s.maxMemory.interval;
    if (tick === this.tickMs) return;
    this.stop();
    this.tickMs = tick;
    if (tick > 0) this.arm();
  }

  stop(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.tickMs = 0;
  }

  private arm(): void {
    this.timer = this.clock.setTimer(this.tickMs, () => {
      this.timer = null;
      this.check();
      if (this.tickMs > 0) this.arm();
    });
  }

  /** Compare every due service with its limit. */
  check(): void {
    const now = this.clock.now();
    const watched = this.deps.watched();
    const next = new Map<string, number>();
    const due: Watched[] = [];
    for (const w of watched) {
      const at = this.due.get(w.name);
      if (at === undefined || at <= now) due.push(w);
      else next.set(w.name, at);
    }
    this.due = next; // services gone, stopped or without a process are forgotten
    if (due.length === 0) return;
    const figures = this.deps.sample(due.map((w) => w.pid));
    for (const w of due) {
      this.due.set(w.name, now + w.interval);
      const f = figures.get(w.pid);
      if (f && f.rssBytes > w.limit) this.deps.over(w.name, f.rssBytes, w.limit);
    }
  }
}
