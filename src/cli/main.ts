// The CLI entry: argv → one verb → exit code. The only thing bin/ calls.
//
// Start-up cost is the design constraint: `docker exec CTR dinit status` pays
// it on every call. So this module imports nothing but the verb table; each
// verb's module (and through it the client, the config loader or the runtime)
// is loaded with a dynamic import() only when that verb runs. Errors end here:
// a DinitError's code picks the exit code (USAGE/CONFIG → 2, UNREACHABLE → 3,
// anything else → 1), and nothing is printed twice.

import { accessSync, constants as fsConstants } from 'node:fs';
import { loadRealConfigModule, processIO, type CliContext, type CliIO, type CliOverrides } from './context.js';

export type { CliOverrides } from './context.js';

interface VerbModule {
  execute(argv: string[], ctx: CliContext): Promise<number>;
}

const LOADERS: Record<string, () => Promise<VerbModule>> = {
  run: () => import('./run.js'),
  status: () => import('./status.js'),
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
  help: () => import('./help.js'),
};

export const COMMANDS = Object.keys(LOADERS);

/** Options that may come before the verb and take a value (`dinit --socket S status`). */
const VALUE_OPTIONS = new Set(['--socket', '-c', '--config']);

type Plan = { kind: 'verb'; verb: string; argv: string[] } | { kind: 'version' } | { kind: 'unknown'; word: string };

/**
 * `dinit`, `dinit -c f`, `dinit -- cmd` and `dinit run …` supervise; a known
 * verb anywhere after leading options runs that verb (the options move after
 * it); any other word is 'unknown': runCli runs it as the main command
 * (Docker's CMD after the ENTRYPOINT) unless it is a near-typo of a verb.
 */
export function planCommand(argv: string[]): Plan {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') return { kind: 'verb', verb: 'run', argv };
    if (a === '--version') return { kind: 'version' };
    if (a === '--help' || a === '-h') return { kind: 'verb', verb: 'help', argv: [] };
    if (VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    if (Object.hasOwn(LOADERS, a)) return { kind: 'verb', verb: a, argv: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    return { kind: 'unknown', word: a };
  }
  return { kind: 'verb', verb: 'run', argv };
}

/** True if argv asks for help before any `--`. */
export function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
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
  let plan = planCommand(argv);
  // Start reading the verb's module graph now: every awaited import() is a
  // round trip to the file system, and `status` should pay for one.
  let verbModule = plan.kind === 'verb' ? (LOADERS[plan.verb] as () => Promise<VerbModule>)() : undefined;
  verbModule?.catch(() => undefined);
  const io: CliIO = overrides.io ?? processIO();
  try {
    if (plan.kind === 'version') {
      const { readPackageJson } = await import('./package-root.js');
      io.out(`dinit ${readPackageJson().version}\n`);
      return 0;
    }
    if (plan.kind === 'unknown') {
      // Docker passes CMD straight after the ENTRYPOINT: `dinit myapp --port 1`
      // means "supervise myapp as main". Only a near-typo of a verb that is not
      // also a program on PATH is taken for a mistyped verb.
      const { didYouMean } = await import('./args.js');
      const guess = didYouMean(plan.word, COMMANDS);
      if (guess && !isProgram(plan.word, env)) {
        io.err(`dinit: unknown command '${plan.word}' — did you mean '${guess}'? (to supervise a program of that name: dinit -- ${plan.word} ...)\n`);
        return 2;
      }
      plan = { kind: 'verb', verb: 'run', argv: leadingThenCommand(argv, plan.word) };
      verbModule = (LOADERS.run as () => Promise<VerbModule>)();
    }
    // `run` parses its own argv: what follows the command belongs to the command.
    if (plan.verb !== 'run' && plan.verb !== 'help' && wantsHelp(plan.argv)) {
      const { verbHelp } = await import('./usage.js');
      io.out(verbHelp(plan.verb));
      return 0;
    }
    const mod = await (verbModule as Promise<VerbModule>);
    const ctx: CliContext = {
      verb: plan.verb,
      env,
      cwd: overrides.cwd ?? process.cwd(),
      uid: overrides.uid ?? process.getuid?.(),
      io,
      loadConfigModule: overrides.loadConfigModule ?? loadRealConfigModule,
    };
    return await mod.execute(plan.argv, ctx);
  } catch (err) {
    const { reportError } = await import('./report-error.js');
    return reportError(err, plan.kind === 'verb' ? plan.verb : undefined, io, env);
  }
}
