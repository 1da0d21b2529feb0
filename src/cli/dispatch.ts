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

/** The config loader of an entry that runs client verbs only (they never ask for it). */
export async function noConfigLoader(): Promise<never> {
  throw new Error('internal: a client verb asked for the config loader');
}

export async function dispatch(verb: Verb, argv: string[], verbModule: Promise<VerbModule>, env: NodeJS.ProcessEnv, opts: DispatchOptions): Promise<number> {
  // `run` parses its own argv: what follows the command belongs to the command.
  if (verb !== 'run' && verb !== 'help' && wantsHelp(argv)) {
    const io: CliIO = opts.io ?? processIO();
    try {
      const { verbHelp } = await import('./usage.js');
      io.out(verbHelp(verb));
      return EXIT.OK;
    } catch (err) {
      return reportLazily(err, verb, io, env);
    }
  }
  return runVerb(verb, argv, verbModule, env, opts);
}

/**
 * dispatch() without `--help`: the verb's context, its exit code, its errors
 * reported. The client's fast lane (src/bin/client.ts) calls it directly, so
 * the usage text is not part of what `dinit status` compiles.
 */
export async function runVerb(verb: Verb, argv: string[], verbModule: Promise<VerbModule>, env: NodeJS.ProcessEnv, opts: DispatchOptions): Promise<number> {
  const io: CliIO = opts.io ?? processIO();
  try {
    const mod = await verbModule;
    const ctx: CliContext = { verb, env, cwd: opts.cwd ?? process.cwd(), uid: opts.uid ?? process.getuid?.(), io, loadConfigModule: opts.loadConfigModule };
    return await mod.execute(argv, ctx);
  } catch (err) {
    return reportLazily(err, verb, io, env);
  }
}

/** report-error.ts is loaded only when a verb fails. */
async function reportLazily(err: unknown, verb: Verb, io: CliIO, env: NodeJS.ProcessEnv): Promise<number> {
  const { reportError } = await import('./report-error.js');
  return reportError(err, verb, io, env);
}
