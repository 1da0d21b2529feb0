// Client waits (`dinit start --wait`, `stop --wait`, `wait`, `scale`): each is
// a check re-run after every graph event (batched into one microtask) until it
// returns a result, or until its timeout. upResult/downResult read the set's
// status to say when a group of services has got up or down, or never will.

import type { Clock } from '../core/clock.js';
import type { ServiceSet } from '../core/service-set.js';
import type { OpResult } from '../control/target.js';

type Waiter = () => boolean;

export class OpWaits {
  private readonly waiters = new Set<Waiter>();
  private checkQueued = false;

  constructor(private readonly clock: Clock) {}

  /** After an event: re-check every wait once the current turn is done. */
  queueCheck(): void {
    if (this.checkQueued) return;
    this.checkQueued = true;
    queueMicrotask(() => {
      this.checkQueued = false;
      for (const w of [...this.waiters]) if (w()) this.waiters.delete(w);
    });
  }

  /** Resolve when `settled` returns a result (checked now and after every event), or at the timeout. */
  until(settled: () => OpResult | null, timeoutMs: number | null, onTimeout: () => OpResult): Promise<OpResult> {
    return new Promise((resolve) => {
      let timer: ReturnType<Clock['setTimer']> | null = null;
      const check: Waiter = () => {
        const r = settled();
        if (!r) return false;
        if (timer) this.clock.clearTimer(timer);
        resolve(r);
        return true;
      };
      if (check()) return;
      this.waiters.add(check);
      if (timeoutMs !== null) {
        timer = this.clock.setTimer(timeoutMs, () => {
          this.waiters.delete(check);
          resolve(onTimeout());
        });
      }
    });
  }
}

/** Started (ready) → ok; failed or held down → failure with the reason; else still pending. */
export function upResult(set: ServiceSet, names: string[]): OpResult | null {
  const failures: OpResult['failures'] = [];
  for (const s of set.status(names.filter((n) => set.has(n)))) {
    if (s.ready) continue;
    if (s.failed || (s.state === 'stopped' && s.target === 'down')) {
      failures.push({ service: s.name, reason: s.reason ?? 'stopped' });
    } else return null;
  }
  for (const n of names) if (!set.has(n)) failures.push({ service: n, reason: 'removed' });
  return { ok: failures.length === 0, failures };
}

/**
 * Stopped → ok. A `start` that lifted the stop before the service got down
 * (it needed it) settles the wait too, as a failure: it will not stop now.
 */
export function downResult(set: ServiceSet, names: string[]): OpResult | null {
  const failures: OpResult['failures'] = [];
  for (const s of set.status(names.filter((n) => set.has(n)))) {
    if (s.state === 'stopped') continue;
    if (s.target !== 'up') return null;
    failures.push({ service: s.name, reason: 'started again (needed by another request) before it stopped' });
  }
  return { ok: failures.length === 0, failures };
}
