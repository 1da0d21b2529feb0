// How a shutdown escalates to killing: once options.shutdown-timeout has run
// out (armed when the shutdown begins, cleared when all has stopped), or at a
// second shutdown request. It remembers which services were still running at
// the first kill, and why, for dinit's last line.

import type { Clock, TimerHandle } from '../core/clock.js';
import type { ServiceSet } from '../core/service-set.js';
import { formatDuration } from '../units.js';

export class ShutdownKill {
  private timer: TimerHandle | null = null;
  private killed: { names: string[]; why: string } | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly set: ServiceSet,
    private readonly note: (message: string) => void,
  ) {}

  /** Services still running when the shutdown had to kill. */
  get names(): string[] {
    return this.killed?.names ?? [];
  }

  get reason(): string {
    return this.killed?.why ?? '';
  }

  /** Kill every service still running now. */
  killRest(why: string): void {
    const names = this.set
      .status()
      .filter((s) => s.state !== 'stopped')
      .map((s) => s.name);
    if (!this.killed && names.length) this.killed = { names, why };
    this.set.killAll();
  }

  /** The shutdown began: kill what is left after `limitMs`. */
  arm(limitMs: number): void {
    if (this.timer) return;
    this.timer = this.clock.setTimer(limitMs, () => {
      if (this.set.allStopped()) return;
      this.note(`shutdown-timeout ${formatDuration(limitMs)} reached: killing what is left`);
      this.killRest(`shutdown-timeout ${formatDuration(limitMs)} reached`);
    });
  }

  /** Everything stopped. */
  clear(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
  }
}
