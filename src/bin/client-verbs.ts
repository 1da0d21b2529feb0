// The client verbs: what the client entry (src/bin/client.ts, the first file
// the launcher loads) hands on when argv is not a plain `dinit status` nor the
// supervisor's. Built as ONE CommonJS file (dist/lib/client-verbs.cjs): a
// single read and compile, no ESM loader, none of the config loader or the
// runtime. It runs the verbs that only talk to a running supervisor (status
// too, when it has colour to paint or is asked for --help); the supervisor's
// argvs go to `supervise()` (src/bin/supervise.ts, one more CommonJS file),
// and any other to `full()`, the full CLI (src/bin/dinit.ts).

import { processIO } from '../cli/context.js';
import { dispatch, noConfigLoader, type VerbModule } from '../cli/dispatch.js';
import * as events from '../cli/events.js';
import * as health from '../cli/health.js';
import * as isState from '../cli/is-state.js';
import * as lifecycle from '../cli/lifecycle.js';
import * as logs from '../cli/logs.js';
import { planCommand, supervises, type Verb } from '../cli/plan.js';
import * as reload from '../cli/reload.js';
import * as scale from '../cli/scale.js';
import * as shutdown from '../cli/shutdown.js';
import * as signal from '../cli/signal.js';
import * as status from '../cli/status.js';
import * as wait from '../cli/wait.js';
import { releaseEarlySignals } from '../early-signals.js';

const CLIENT_VERBS: Partial<Record<Verb, VerbModule>> = {
  status,
  start: lifecycle,
  stop: lifecycle,
  restart: lifecycle,
  signal,
  logs,
  reload,
  shutdown,
  health,
  wait,
  'is-started': isState,
  'is-failed': isState,
  events,
  scale,
};

/** The client verbs this entry runs itself (exported for the test that keeps it in step). */
export const clientVerbs = Object.keys(CLIENT_VERBS) as Verb[];

/**
 * Runs argv: a client verb here, the supervisor through `supervise()` (the
 * full CLI's when not given), anything else through `full()`. Exits the
 * process with the verb's code.
 */
export async function main(argv: string[], full: () => Promise<unknown>, supervise: () => Promise<unknown> = full): Promise<void> {
  const plan = planCommand(argv);
  const mod = plan.kind === 'verb' ? CLIENT_VERBS[plan.verb] : undefined;
  if (supervises(plan)) {
    await supervise();
    return;
  }
  if (plan.kind !== 'verb' || !mod) {
    await full();
    return;
  }
  releaseEarlySignals();
  const io = processIO();
  const code = await dispatch(plan.verb, plan.argv, Promise.resolve(mod), process.env, { io, loadConfigModule: noConfigLoader });
  // Into a pipe, process.stdout writes asynchronously: exit once the pipe has taken it all.
  await io.flushed();
  process.exit(code);
}
