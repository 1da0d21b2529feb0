// Command-line parsing shared by the verbs: node:util parseArgs with its
// errors turned into short USAGE errors, and the value arguments (durations,
// signals, counts) read with the grammars of src/units.ts, so they accept
// exactly what dinit.yaml does.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DinitError } from '../errors.js';
import { parseDuration, parseSignal } from '../units.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function usageError(message: string): DinitError {
  return new DinitError('USAGE', message);
}

/**
 * The shapes nearly every call has (`--name`, `--name value`, `--name=value`
 * of the given long options, and plain words), read without parseArgs: its
 * first call loads and runs ~0.5 ms of Node's code, a tenth of what `dinit
 * status` adds to Node's own start-up (measured). Anything else (a short or
 * unknown option, `--`, a value that starts with '-', a word where none is
 * allowed, options with a `multiple` or a `default`) is undefined: parseArgs
 * reads it, so its results and its errors stay the only ones.
 */
function commonShapes(argv: string[], options: Options, allowPositionals: boolean): Parsed | undefined {
  for (const name in options) if (options[name]?.multiple || options[name]?.default !== undefined) return undefined;
  const values: Parsed['values'] = Object.create(null) as Parsed['values'];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('-')) {
      if (!allowPositionals) return undefined;
      positionals.push(a);
      continue;
    }
    if (!a.startsWith('--') || a === '--') return undefined;
    const eq = a.indexOf('=');
    const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
    const o = Object.hasOwn(options, name) ? options[name] : undefined;
    if (!o) return undefined;
    if (o.type === 'boolean') {
      if (eq !== -1) return undefined;
      values[name] = true;
    } else if (eq !== -1) {
      values[name] = a.slice(eq + 1);
    } else {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('-')) return undefined;
      values[name] = v;
      i++;
    }
  }
  return { values, positionals };
}

/** parseArgs, strict, with readable errors. `--help` is handled before a verb runs. */
export function parseVerbArgs(argv: string[], options: Options, allowPositionals = true): Parsed {
  const common = commonShapes(argv, options, allowPositionals);
  if (common) return common;
  try {
    const r = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const msg = e.message ?? String(err);
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown) throw usageError(`unknown option '${unknown[1]}'`);
    const positional = /Unexpected argument '([^']+)'/.exec(msg);
    if (positional) throw usageError(`unexpected argument '${positional[1]}'`);
    throw usageError(msg.split('\n')[0] ?? msg);
  }
}

/** `500ms`, `10s`, `2m`, `1m30s`, or a number of seconds → ms (the grammar of dinit.yaml). */
export function parseDurationArg(text: string, what = 'duration'): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw usageError(`invalid ${what} '${text}' (a duration looks like 500ms, 10s, 2m)`);
  return ms;
}

/** `SIGHUP`, `HUP`, `hup` or `1` → `SIGHUP`. */
export function parseSignalArg(text: string): NodeJS.Signals {
  const sig = parseSignal(text);
  if (!sig) throw usageError(`unknown signal '${text}' (use a name like SIGHUP or HUP, or a number)`);
  return sig;
}

export function parseCountArg(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw usageError(`${what} must be a whole number, not '${text}'`);
  return Number(text.trim());
}

/** The status table's CPU%: one decimal below 10%. */
export function humanPercent(p: number): string {
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}
