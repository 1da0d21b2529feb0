// Time as a port. The service graph never reads the real clock or sets real
// timers: it is given a Clock, so tests drive it with a fake one and every
// restart-delay, stop-timeout and start-timeout is deterministic.

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds; monotonic within a run, comparable with Date.now() for display. */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/**
 * The real clock, wired in bin/ and runtime/ only. A 0 ms timer (e.g.
 * `restart-delay: 0`) runs on the next turn of the event loop (setImmediate):
 * Node's setTimeout(0) waits at least 1 ms, which would cap restarts.
 */
export function realClock(): Clock {
  let next = 1;
  const timers = new Map<number, { t: NodeJS.Timeout } | { i: NodeJS.Immediate }>();
  return {
    now: () => Date.now(),
    setTimer(ms, fn) {
      const id = next++;
      const fire = (): void => {
        timers.delete(id);
        fn();
      };
      timers.set(id, ms > 0 ? { t: setTimeout(fire, ms) } : { i: setImmediate(fire) });
      return { id };
    },
    clearTimer(handle) {
      const h = timers.get(handle.id);
      if (!h) return;
      if ('t' in h) clearTimeout(h.t);
      else clearImmediate(h.i);
      timers.delete(handle.id);
    },
  };
}
