// The full CLI: argv → one verb → exit code. src/bin/dinit.ts calls it.
//
// Start-up cost is the design constraint: `docker exec CTR dinit status` pays
// it on every call. The installed launcher runs the client verbs through the
// small CommonJS entry (src/bin/client.ts) and comes here only for the others;
// still, this module imports nothing but the verb table, and each verb's module
// (and through it the client, the config loader or the runtime) is loaded with
// a dynamic import() only when that verb runs.

import { accessSync, constants as fsConstants } from 'node:fs';
import { processIO, type ConfigModule } from './context.js';
import { dispatch, type DispatchOptions, type VerbModule } from './dispatch.js';
import { planCommand, VERBS, type Verb } from './plan.js';
import { EXIT } from '../errors.js';

export { planCommand } from './plan.js';

/** Tests (and embedders) may replace any of these. */
export type CliOverrides = Partial<DispatchOptions>;

const LOADERS: Record<Verb, () => Promise<VerbModule>> = {
  run: () => import('./run.js'),
  status: () => import('./status.js'),
  // Not a client-entry verb: it loads through the full CLI so client.cjs (and `dinit status`) stays as small as it was.
  top: () => import('./top.js'),
  start: () => import('./lifecycle.js'),
  stop: () => import('./lifecycle.js'),
  restart: () => import('./lifecycle.js'),
  signal: () => import('./signal.js'),
  logs: () => import('./logs.js'),
  reload: () => import('./reload.js'),
  shutdown: () => import('./shutdown.js'),
  health: () => import('./health.js'),
  wait: () => import('./wait.js'),
  graph: () => import('./graph.js'),
  check: () => import('./check.js'),
  schema: () => import('./schema.js'),
  import: () => import('./import.js'),
  help: () => import('./help.js'),
  'is-started': () => import('./is-state.js'),
  'is-failed': () => import('./is-state.js'),
  events: () => import('./events.js'),
  scale: () => import('./scale.js'),
};

const COMMANDS: readonly string[] = VERBS;

async function loadRealConfigModule(): Promise<ConfigModule> {
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

export async function runCli(argv: string[], env: NodeJS.ProcessEnv, overrides: CliOverrides = {}): Promise<number> {
  const plan = planCommand(argv);
  const opts = { ...overrides, loadConfigModule: overrides.loadConfigModule ?? loadRealConfigModule };
  if (plan.kind === 'verb') {
    // Start reading the verb's module graph now: every awaited import() is a
    // round trip to the file system.
    const mod = LOADERS[plan.verb]();
    mod.catch(() => undefined);
    return dispatch(plan.verb, plan.argv, mod, env, opts);
  }
  const io = overrides.io ?? processIO();
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
  return dispatch('run', leadingThenCommand(argv, plan.word), LOADERS.run(), env, { ...opts, io });
}
