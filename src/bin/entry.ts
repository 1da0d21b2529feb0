// How dinit's entries end: argv through a router, then exit with its code.
// The only process.exit in dinit (besides ending on a signal the launcher
// caught early: early-signals.ts), and for the supervisor its _exit
// (os/libc.ts exitAtOnce). Shared by the full CLI (dinit.ts) and the
// supervisor's entry (supervise.ts).

import { planCommand, supervises } from '../cli/plan.js';
import { releaseEarlySignals } from '../early-signals.js';

export async function runEntry(argv: string[], route: (argv: string[]) => Promise<number>): Promise<never> {
  // Only a supervisor takes over the signals the launcher caught (runtime/run.ts).
  const plan = planCommand(argv);
  if (!supervises(plan)) releaseEarlySignals();
  const code = await route(argv);
  // The supervisor has flushed its output and stopped everything by now: end without Node's teardown.
  if (plan.kind === 'verb' && plan.verb === 'run') (await import('../os/libc.js')).exitAtOnce(code);
  process.exit(code);
}
