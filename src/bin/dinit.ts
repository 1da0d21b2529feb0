// The dinit binary: argv in, exit code out. The only process.exit in dinit
// (besides ending on a signal the launcher caught early: early-signals.ts),
// and for the supervisor its _exit (os/libc.ts exitAtOnce).
import { runCli } from '../cli/main.js';
import { planCommand } from '../cli/plan.js';
import { releaseEarlySignals } from '../early-signals.js';

// Only a supervisor takes over the signals the launcher caught (runtime/run.ts).
const plan = planCommand(process.argv.slice(2));
if (!(plan.kind === 'unknown' || (plan.kind === 'verb' && plan.verb === 'run'))) releaseEarlySignals();

const code = await runCli(process.argv.slice(2), process.env);
// The supervisor has flushed its output and stopped everything by now: end without Node's teardown.
if (plan.kind === 'verb' && plan.verb === 'run') (await import('../os/libc.js')).exitAtOnce(code);
process.exit(code);
