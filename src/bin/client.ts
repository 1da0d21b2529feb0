// The client entry: what `docker exec CTR dinit status` runs. The installed
// launcher (bin/dinit.cjs, or /opt/dinit/bin/dinit in the bundle) loads this
// file first, built as ONE small CommonJS file (dist/lib/client.cjs): no ESM
// loader, none of the config loader, the runtime, the colour library, the
// usage text or the other verbs. It runs a plain `dinit status` (no colour
// to paint, no --help) itself: that is the fast lane, the one call a
// container's health checks and scripts make again and again. The
// supervisor's argvs go to `supervise()` (src/bin/supervise.ts, one more
// CommonJS file); anything else to `verbs()`, the other client verbs
// (src/bin/client-verbs.ts, dist/lib/client-verbs.cjs), which hands what is
// not a client verb to `full()`, the full CLI (src/bin/dinit.ts).

import { isatty } from 'node:tty';
import { colorLevel } from '../color.js';
import { paintWith, processIO, type CliContext } from '../cli/context.js';
import { noConfigLoader, runVerb } from '../cli/dispatch.js';
import { planCommand, supervises, wantsHelp } from '../cli/plan.js';
import { showStatus } from '../cli/status.js';
import { releaseEarlySignals } from '../early-signals.js';

type Load = () => Promise<unknown>;

/** What dist/lib/client-verbs.cjs exports (src/bin/client-verbs.ts). */
export interface ClientVerbsEntry {
  main(argv: string[], full: Load, supervise: Load): Promise<void>;
}

const plain = paintWith(null);
const plainStatus = { execute: (argv: string[], ctx: CliContext) => showStatus(argv, ctx, async () => plain) };

/**
 * Runs argv: a plain `dinit status` here, the supervisor through
 * `supervise()`, anything else through `verbs()`. Exits the process with the
 * verb's code.
 */
export async function main(argv: string[], full: Load, supervise: Load, verbs: () => ClientVerbsEntry): Promise<void> {
  const plan = planCommand(argv);
  if (supervises(plan)) {
    await supervise();
    return;
  }
  // The one colour rule (src/color.ts), asked without making process.stdout (over a pipe it would
  // turn the pipe non-blocking for the write(2)s below); fd 1 is looked at only if the environment
  // leaves the answer open (NO_COLOR, FORCE_COLOR, TERM=dumb decide alone).
  if (plan.kind === 'verb' && plan.verb === 'status' && !wantsHelp(plan.argv) && colorLevel(() => isatty(1), process.env) === 0) {
    releaseEarlySignals();
    // Written with write(2), or flushed, before the exit: process.exit drops what a pipe has not taken.
    const io = processIO({ writeSync: true });
    const code = await runVerb('status', plan.argv, Promise.resolve(plainStatus), process.env, { io, loadConfigModule: noConfigLoader });
    await io.flushed();
    process.exit(code);
  }
  await verbs().main(argv, full, supervise);
}
