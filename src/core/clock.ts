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

/** The real clock, wired in bin/ and runtime/ only. */
export function realClock(): Clock {
  let next = 1;
  const timers = new Map<number, NodeJS.Timeout>();
  return {
    now: () => Date.now(),
    setTimer(ms, fn) {
      const id = next++;
      const t = setTimeout(() => {
        timers.delete(id);
        fn();
      }, Math.max(0, ms));
      timers.set(id, t);
      return { id };
    },
    clearTimer(handle) {
      const t = timers.get(handle.id);
      if (t) {
        clearTimeout(t);
        timers.delete(handle.id);
      }
    },
  };
}
