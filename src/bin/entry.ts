// How the full CLI (dinit.ts) and the supervisor's entry (supervise.ts) end:
// argv through a router, then exit with its code, for the supervisor through
// its _exit (os/libc.ts exitAtOnce). The client entries (client.ts,
// client-verbs.ts) end the same way in a line of their own, after flushing
// their output; early-signals.ts ends on a signal the launcher caught early.

import { processIO, type ProcessIO } from '../cli/context.js';
import { planCommand, supervises } from '../cli/plan.js';
import { releaseEarlySignals } from '../early-signals.js';

export async function runEntry(argv: string[], route: (argv: string[], io: ProcessIO) => Promise<number>): Promise<never> {
  // Only a supervisor takes over the signals the launcher caught (runtime/run.ts).
  const plan = planCommand(argv);
  if (!supervises(plan)) releaseEarlySignals();
  const io = processIO();
  const code = await route(argv, io);
  // The supervisor has flushed its output and stopped everything by now: end without Node's teardown.
  if (plan.kind === 'verb' && plan.verb === 'run') (await import('../os/libc.js')).exitAtOnce(code);
  // A verb's output into a pipe is written asynchronously: process.exit would drop what the pipe has
  // not taken yet (`dinit logs -n 100000 | less`). Not for the supervisor: it must end even when
  // nobody reads its stdout any more.
  if (!supervises(plan)) await io.flushed();
  process.exit(code);
}
