// Runs one planned verb: `--help` for it, its context, its exit code, and the
// one place errors are reported (a DinitError's code picks the exit code:
// USAGE/CONFIG → 2, UNREACHABLE → 3, anything else → 1). Shared by the full
// CLI and the client entry; it imports nothing heavy, and the config loader
// comes in as a function so the client never links it.

import { processIO, type CliContext, type CliIO, type ConfigModule } from './context.js';
import { wantsHelp, type Verb } from './plan.js';
import { EXIT } from '../errors.js';

export interface VerbModule {
  execute(argv: string[], ctx: CliContext): Promise<number>;
}

export interface DispatchOptions {
  io?: CliIO;
  cwd?: string;
  uid?: number;
  loadConfigModule: () => Promise<ConfigModule>;
}

export async function dispatch(verb: Verb, argv: string[], verbModule: Promise<VerbModule>, env: NodeJS.ProcessEnv, opts: DispatchOptions): Promise<number> {
  const io: CliIO = opts.io ?? processIO();
  try {
    // `run` parses its own argv: what follows the command belongs to the command.
    if (verb !== 'run' && verb !== 'help' && wantsHelp(argv)) {
      const { verbHelp } = await import('./usage.js');
      io.out(verbHelp(verb));
      return EXIT.OK;
    }
    const mod = await verbModule;
    const ctx: CliContext = { verb, env, cwd: opts.cwd ?? process.cwd(), uid: opts.uid ?? process.getuid?.(), io, loadConfigModule: opts.loadConfigModule };
    return await mod.execute(argv, ctx);
  } catch (err) {
    const { reportError } = await import('./report-error.js');
    return reportError(err, verb, io, env);
  }
}
