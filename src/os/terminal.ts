// What `main` gets of dinit's own stdio. Like tini, dinit hands its terminal
// to main: when stdin is a terminal and dinit's process group is the
// terminal's foreground group (`docker run -it`, or dinit run from a shell in
// the foreground), main becomes the foreground group of that terminal. Else
// main only inherits stdin (`docker run -i`, a pipe; /dev/null otherwise).
// Every other service keeps /dev/null as stdin.

import { isatty } from 'node:tty';
import { libc } from './libc.js';

export type MainConsole = 'stdin' | 'terminal';

export function mainConsole(): MainConsole {
  if (!isatty(0)) return 'stdin';
  try {
    const c = libc();
    // In the background of the terminal (`dinit … &`), taking it would steal it from the shell.
    return c.tcgetpgrp(0) === c.getpgrp() ? 'terminal' : 'stdin';
  } catch {
    return 'stdin'; // no koffi: no job control, but stdin still works
  }
}
