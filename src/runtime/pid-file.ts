// type: forking: once the command (the launcher) has exited 0, its daemon
// writes the pid file. Read it (again every 100 ms, through the Clock) until
// it names a live child of dinit, or give up with the last reason shortly
// before start-timeout (so the reason is the pid file's, not the timer's).

import type { Clock } from '../core/clock.js';
import type { ProcessHost } from '../os/ports.js';

export interface PidFileWait {
  host: ProcessHost;
  clock: Clock;
  pidFile: string;
  /** The service's start-timeout (0: none). */
  startTimeout: number;
  /** Still wanted (not replaced or stopped meanwhile); checked before each read. */
  wanted(): boolean;
  found(pid: number): void;
  failed(reason: string): void;
}

export function awaitPidFile(w: PidFileWait): void {
  const deadline = w.startTimeout > 0 ? w.clock.now() + Math.max(0, w.startTimeout - 200) : Infinity;
  const attempt = (): void => {
    if (!w.wanted()) return;
    const r = w.host.readPidFile(w.pidFile);
    if ('error' in r) {
      if (w.clock.now() >= deadline) w.failed(r.error);
      else w.clock.setTimer(100, attempt);
      return;
    }
    w.found(r.pid);
  };
  attempt();
}
