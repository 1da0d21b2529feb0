// The rhythm of polling probes (tcp, http, exec): one attempt at once, then one
// every `interval` measured from the start of the previous attempt, never two at
// a time (a slow attempt delays the next one instead of piling up). The owner
// decides after each result whether to go on. cancel() clears the timer and
// aborts the attempt in flight, so nothing is left to keep the event loop alive.

import type { Clock, TimerHandle } from '../../core/clock.js';
import { describeError, type Check, type CheckResult, type Cancellable } from './context.js';

/** Polling faster than this would only burn CPU (a refused connect returns at once). */
const MIN_INTERVAL = 10;

export function poll(clock: Clock, check: Check, interval: number, onResult: (r: CheckResult) => 'continue' | 'stop'): Cancellable {
  const ac = new AbortController();
  const every = Math.max(MIN_INTERVAL, interval);
  let timer: TimerHandle | undefined;
  let stopped = false;

  const attempt = (): void => {
    timer = undefined;
    const started = clock.now();
    // void: the attempt's own failure is caught just below; a throw from onResult (the owner's bug)
    // surfaces as an uncaught error, which run.ts reports instead of hiding it here.
    void check(ac.signal)
      .catch((err: unknown): CheckResult => ({ ok: false, message: describeError(err) }))
      .then((r) => {
        if (stopped) return;
        if (onResult(r) === 'stop') {
          stopped = true;
          return;
        }
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- onResult may call cancel(); TS cannot see that
        if (stopped) return; // cancelled from inside onResult
        timer = clock.setTimer(Math.max(0, every - (clock.now() - started)), attempt);
      });
  };
  attempt();

  return {
    cancel() {
      if (stopped) return;
      stopped = true;
      if (timer) clock.clearTimer(timer);
      ac.abort();
    },
  };
}
