// What argv asks for, decided without loading anything: which verb, or
// `--version`, or a word that is not a verb (Docker's CMD). Shared by the full
// CLI (main.ts) and the small client entry (bin/client.ts), which must agree on
// every argv: the client runs the client verbs itself and hands the rest on.

export const VERBS = [
  'run',
  'status',
  'top',
  'start',
  'stop',
  'restart',
  'signal',
  'logs',
  'reload',
  'shutdown',
  'health',
  'wait',
  'graph',
  'check',
  'schema',
  'import',
  'help',
  'is-started',
  'is-failed',
  'events',
  'scale',
] as const;
export type Verb = (typeof VERBS)[number];

const VERB_SET: ReadonlySet<string> = new Set(VERBS);

/** Options that may come before the verb and take a value (`dinit --socket S status`). */
const VALUE_OPTIONS = new Set(['--socket', '-c', '--config']);

export type Plan = { kind: 'verb'; verb: Verb; argv: string[] } | { kind: 'version' } | { kind: 'unknown'; word: string };

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
    if (VERB_SET.has(a)) return { kind: 'verb', verb: a as Verb, argv: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    return { kind: 'unknown', word: a };
  }
  return { kind: 'verb', verb: 'run', argv };
}

/** Whether a plan runs the supervisor: `run` (also `--`), or a word taken for Docker's CMD (a near-typo is refused there). */
export function supervises(plan: Plan): boolean {
  return plan.kind === 'unknown' || (plan.kind === 'verb' && plan.verb === 'run');
}

/** True if argv asks for help before any `--`. */
export function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}
