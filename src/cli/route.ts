// argv → one verb → exit code, given the table of verb modules to load from.
// The full CLI (main.ts) gives it every verb; the supervisor's own CommonJS
// entry (src/bin/supervise.ts) gives it `run` alone, so what a container's
// start-up loads is the supervisor and nothing else. Both take the same path
// for every argv: `dinit myapp --port 1` (Docker's CMD after the ENTRYPOINT)
// supervises myapp, `--version` prints the version, a near-typo of a verb is
// refused.

import { accessSync, constants as fsConstants } from 'node:fs';
import { processIO, type ConfigModule } from './context.js';
import { dispatch, type DispatchOptions, type VerbModule } from './dispatch.js';
import { planCommand, VERBS, type Verb } from './plan.js';
import { DinitError, EXIT } from '../errors.js';

/** Tests (and embedders) may replace any of these. */
export type CliOverrides = Partial<DispatchOptions>;

/** How to load each verb's module (a dynamic import, so only the verb that runs is read). */
export type VerbLoaders = Partial<Record<Verb, () => Promise<VerbModule>>> & { run: () => Promise<VerbModule> };

const COMMANDS: readonly string[] = VERBS;

/** The config loader (src/config, with yaml), loaded when a verb first asks for it. */
export async function loadRealConfigModule(): Promise<ConfigModule> {
  return await import('../config/index.js');
}

/** `-c f myapp --x` → `-c f -- myapp --x`: dinit's own leading options, then the command. */
function leadingThenCommand(argv: string[], word: string): string[] {
  const i = argv.indexOf(word);
  return [...argv.slice(0, i), '--', ...argv.slice(i)];
}

/** A path, or a name found as an executable file on $PATH. */
function isProgram(word: string, env: NodeJS.ProcessEnv): boolean {
  if (word.includes('/')) return true;
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    try {
      accessSync(`${dir}/${word}`, fsConstants.X_OK);
      return true;
    } catch {
      /* not here */
    }
  }
  return false;
}

export async function routeCli(argv: string[], env: NodeJS.ProcessEnv, loaders: VerbLoaders, opts: DispatchOptions): Promise<number> {
  const plan = planCommand(argv);
  if (plan.kind === 'verb') {
    const load = loaders[plan.verb];
    // Start reading the verb's module graph now: every awaited import() is a
    // round trip to the file system.
    const mod = load ? load() : Promise.reject(new DinitError('INTERNAL', `this entry does not run '${plan.verb}'`));
    mod.catch(() => undefined);
    return dispatch(plan.verb, plan.argv, mod, env, opts);
  }
  const io = opts.io ?? processIO();
  if (plan.kind === 'version') {
    const { readPackageJson } = await import('./package-root.js');
    io.out(`dinit ${readPackageJson().version}\n`);
    return EXIT.OK;
  }
  // Docker passes CMD straight after the ENTRYPOINT: `dinit myapp --port 1`
  // means "supervise myapp as main". Only a near-typo of a verb that is not
  // also a program on PATH is taken for a mistyped verb.
  const { closest } = await import('../suggest.js');
  const guess = closest(plan.word, COMMANDS);
  if (guess && !isProgram(plan.word, env)) {
    io.err(`dinit: unknown command '${plan.word}' — did you mean '${guess}'? (to supervise a program of that name: dinit -- ${plan.word} ...)\n`);
    return EXIT.USAGE;
  }
  return dispatch('run', leadingThenCommand(argv, plan.word), loaders.run(), env, { ...opts, io });
}
