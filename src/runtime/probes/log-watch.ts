// log probe: ready when a line of the service's output matches a regular
// expression (JavaScript syntax, case-sensitive, unanchored: `listening on`
// matches anywhere in the line). Lines are checked as they arrive through the
// driver's line subscription — no polling, no buffering of our own.

import type { Cancellable } from './context.js';

export function compilePattern(pattern: string): RegExp | string {
  try {
    return new RegExp(pattern);
  } catch (err) {
    return `invalid log pattern /${pattern}/: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Call onMatch once, on the first matching line, then stop listening. */
export function watchLines(re: RegExp, subscribe: (cb: (line: string) => void) => () => void, onMatch: () => void): Cancellable {
  let done = false;
  let unsubscribe: (() => void) | undefined;
  unsubscribe = subscribe((line) => {
    if (done || !re.test(line)) return;
    done = true;
    unsubscribe?.();
    unsubscribe = undefined;
    onMatch();
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the callback above may have set it during subscribe(); TS cannot see that
  if (done) {
    // matched synchronously while subscribing (a replaying subscription)
    unsubscribe();
    unsubscribe = undefined;
  }
  return {
    cancel() {
      done = true;
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
