// Converting one plain value (already read out of YAML, strings already
// expanded) into its normalised form according to its kind in the key table.
// Used for user input and for the table's defaults alike, so a default can
// never be in a different unit than a value the user wrote. Failures say what
// was expected; the caller adds the key and the position.

import { isAbsolute, resolve } from 'node:path';
import type { HttpListen, ProbeSpec, SourcePos } from '../types.js';
import { EXPECT } from './keys.js';
import type { EnumSpec, IntSpec, ScalarSpec } from './keys.js';
import { didYouMean } from '../suggest.js';
import { cronProblem, validTimezone } from './cron.js';
import { parseDuration, parseSignal, parseSize } from '../units.js';
import { ExpansionError, parseUmask, splitWords } from './values.js';

/** A value as read from YAML: scalars, or a list of scalars, or a map of scalars (env). */
export interface Plain {
  value: unknown;
  pos: SourcePos;
  /** Positions of list items, when value is an array. */
  items?: SourcePos[];
  /** Source text as written (umask 022 is the YAML number 22). */
  raw?: string;
  /** The string came out of ${…} expansion, so "true" or "3" may stand for a bool or number. */
  expanded: boolean;
}

export type Converted = { ok: true; value: unknown } | { ok: false; message: string; hint?: string; pos?: SourcePos };

/** A dependency as written, with where it was written. */
export interface NameRef {
  name: string;
  pos: SourcePos;
}

export type ConvertibleSpec = ScalarSpec | IntSpec | EnumSpec;

/** The longest timer Node can arm (setTimeout fires at once beyond it). */
const MAX_DURATION_MS = 2 ** 31 - 1;

const ok = (value: unknown): Converted => ({ ok: true, value });
const bad = (message: string, hint?: string, pos?: SourcePos): Converted => ({ ok: false, message, ...(hint ? { hint } : {}), ...(pos ? { pos } : {}) });

export function show(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'symbol' || v === undefined) return String(v);
  return 'a map';
}

const expected = (spec: ConvertibleSpec, v: unknown): Converted => bad(`expected ${EXPECT[spec.kind]}, got ${show(v)}`);

/** A scalar string, or a number written where a string is fine. */
function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function listOf(p: Plain): { values: string[]; pos: SourcePos[] } | Converted {
  const arr = Array.isArray(p.value) ? (p.value as unknown[]) : [p.value];
  const pos = p.items ?? arr.map(() => p.pos);
  const values: string[] = [];
  for (let i = 0; i < arr.length; i++) {
    const t = typeof arr[i] === 'boolean' ? String(arr[i]) : text(arr[i]);
    if (t === undefined) return bad(`list items must be strings, got ${show(arr[i])}`, undefined, pos[i]);
    values.push(t);
  }
  return { values, pos };
}

export function convertScalar(spec: ConvertibleSpec, p: Plain, baseDir: string, env: NodeJS.ProcessEnv): Converted {
  const v = p.value;
  switch (spec.kind) {
    case 'string':
      return text(v) !== undefined ? ok(text(v)) : expected(spec, v);
    case 'path':
      if (typeof v !== 'string' || v === '') return expected(spec, v);
      return ok(isAbsolute(v) ? v : resolve(baseDir, v));
    case 'bool':
      if (typeof v === 'boolean') return ok(v);
      if (p.expanded && (v === 'true' || v === 'false')) return ok(v === 'true');
      return expected(spec, v);
    case 'int': {
      const n = typeof v === 'number' ? v : p.expanded && typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
      if (!Number.isInteger(n)) return expected(spec, v);
      if (n < spec.min || (spec.max !== undefined && n > spec.max)) {
        return bad(`${n} is out of range: use a whole number from ${spec.min}${spec.max === undefined ? ' up' : ` to ${spec.max}`}`);
      }
      return ok(n);
    }
    case 'duration': {
      const ms = typeof v === 'number' || typeof v === 'string' ? parseDuration(v) : undefined;
      if (ms === undefined) return expected(spec, v);
      // Node's timers fire at once beyond 2^31-1 ms: a stop-timeout of 30 days must not mean "kill now".
      if (ms > MAX_DURATION_MS) return bad(`${show(v)} is too long: the longest duration is 596h (about 24 days)`);
      return ok(ms);
    }
    case 'size': {
      const n = typeof v === 'number' || typeof v === 'string' ? parseSize(v) : undefined;
      return n === undefined ? expected(spec, v) : ok(n);
    }
    case 'signal': {
      const s = typeof v === 'number' || typeof v === 'string' ? parseSignal(v) : undefined;
      return s === undefined ? bad(`${show(v)} is not a signal on this system`, 'write it like SIGTERM, TERM or 15; `kill -l` lists them') : ok(s);
    }
    case 'enum': {
      if (typeof v === 'boolean' && spec.booleans) return ok(v ? spec.booleans.true : spec.booleans.false);
      const t = text(v);
      if (t !== undefined && spec.values.includes(t)) return ok(t);
      const allowed = spec.values.join(', ') + (spec.booleans ? ' (or true/false)' : '');
      return bad(`${show(v)} is not allowed: use one of ${allowed}`, t === undefined ? undefined : didYouMean(t, spec.values));
    }
    case 'command':
      return convertCommand(p, env);
    case 'names':
    case 'paths': {
      const l = listOf(p);
      if (!('values' in l)) return l;
      if (spec.kind === 'names') return ok(l.values.map((name, i): NameRef => ({ name, pos: l.pos[i] ?? p.pos })));
      const empty = l.values.findIndex((s) => s === '');
      if (empty >= 0) return bad('expected a path, got an empty string', undefined, l.pos[empty]);
      return ok(l.values.map((f, i) => ({ path: isAbsolute(f) ? f : resolve(baseDir, f), pos: l.pos[i] ?? p.pos })));
    }
    case 'env':
      return convertEnv(p, env);
    case 'user': {
      const t = text(v);
      const re = /^([A-Za-z_][A-Za-z0-9._-]*\$?|\d+)(:([A-Za-z_][A-Za-z0-9._-]*|\d+))?$/;
      return t !== undefined && re.test(t) ? ok(t) : expected(spec, v);
    }
    case 'umask': {
      const written = typeof v === 'number' ? (p.raw ?? String(v)) : text(v);
      const n = written === undefined ? undefined : parseUmask(written);
      return n === undefined ? bad(`${show(v)} is not a umask`, 'write it in octal, quoted: umask: "022"') : ok(n);
    }
    case 'regex': {
      if (typeof v !== 'string') return expected(spec, v);
      try {
        new RegExp(v);
        return ok(v);
      } catch (e) {
        return bad(`invalid regular expression: ${(e as Error).message}`, 'escape special characters with a backslash');
      }
    }
    case 'tcp':
      return convertTcp(v);
    case 'listen':
      return convertListen(v);
    case 'url': {
      if (typeof v !== 'string') return expected(spec, v);
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        return bad(`${show(v)} is not a URL`, 'write it like http://127.0.0.1:8080/health');
      }
      return u.protocol === 'http:' || u.protocol === 'https:' ? ok(v) : bad(`${show(v)}: only http:// and https:// URLs can be probed`);
    }
    case 'notify': {
      if (v === 'fd') return ok({ kind: 'notify-fd', fd: 3 } satisfies ProbeSpec);
      if (v === 'systemd') return ok({ kind: 'notify-systemd' } satisfies ProbeSpec);
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
      if (Number.isInteger(n) && n >= 3) return ok({ kind: 'notify-fd', fd: n } satisfies ProbeSpec);
      return bad(`${show(v)} is not a notify mode: use fd, systemd or a file descriptor number (3 or more; 0-2 are stdin/stdout/stderr)`);
    }
    case 'cron': {
      const t = text(v);
      const problem = t === undefined ? 'not a string' : cronProblem(t);
      return problem === null ? ok(t) : bad(`${show(v)} is not a cron schedule: ${problem}`, 'write minute hour day month weekday like "*/5 * * * *" (a first field of seconds is allowed), or @hourly, @daily…');
    }
    case 'timezone': {
      const t = text(v);
      if (t !== undefined && validTimezone(t)) return ok(t);
      return bad(`${show(v)} is not a time zone`, 'write an IANA name like "Europe/Berlin", "America/New_York" or "UTC"');
    }
    case 'exit-codes': {
      const arr = Array.isArray(v) ? (v as unknown[]) : [v];
      const codes: number[] = [];
      for (let i = 0; i < arr.length; i++) {
        const x = arr[i];
        const n = typeof x === 'number' ? x : typeof x === 'string' && /^\d+$/.test(x.trim()) ? Number(x) : NaN;
        if (!Number.isInteger(n) || n < 0 || n > 255) return bad(`${show(x)} is not an exit code: use whole numbers from 0 to 255`, 'write it like [0, 3]', p.items?.[i]);
        if (!codes.includes(n)) codes.push(n);
      }
      if (codes.length === 0) return bad('the list of exit codes is empty', 'give at least one, usually [0]');
      return ok(codes);
    }
    default: {
      const never: never = spec;
      return never;
    }
  }
}

/** A string is split into words first, then `${VAR}` is expanded inside them (plainOf left it as written). */
function convertCommand(p: Plain, env: NodeJS.ProcessEnv): Converted {
  if (typeof p.value === 'string') {
    let split;
    try {
      split = splitWords(p.value, env);
    } catch (e) {
      if (e instanceof ExpansionError) return bad(e.message, e.hint);
      return bad(`cannot split the command into words: ${(e as Error).message}`, 'close the quote, or write the command as a list');
    }
    if (split.shellSyntax.length > 0) {
      return bad(`the command uses shell syntax (${split.shellSyntax.join(' ')}) but no shell runs`, 'write it as [sh, -c, "…"] to run it through a shell, or quote the character');
    }
    return split.words.length > 0 ? ok(split.words) : bad('the command is empty', 'give the program to run');
  }
  if (!Array.isArray(p.value)) return bad(`expected ${EXPECT.command}, got ${show(p.value)}`);
  const l = listOf(p);
  if (!('values' in l)) return l;
  if (l.values.length === 0 || l.values[0] === '') return bad('the command is empty', 'give the program to run as the first item');
  return ok(l.values);
}

function convertEnv(p: Plain, env: NodeJS.ProcessEnv): Converted {
  const v = p.value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad(`expected ${EXPECT.env}, got ${show(v)}`, 'write environment: { NAME: value }');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k)) return bad(`${JSON.stringify(k)} is not a valid variable name`, 'use letters, digits and _');
    if (val === null) {
      const inherited = env[k];
      if (inherited !== undefined) out[k] = inherited;
    } else if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
    else return bad(`${k}: expected a string, got ${show(val)}`, 'quote the value');
  }
  return ok(out);
}

/** host:port, :port or a port alone; host '' = every interface. */
function convertListen(v: unknown): Converted {
  const hint = 'write "127.0.0.1:9180" (this container only), ":9180" (every interface) or "[::1]:9180"';
  const t = text(v);
  if (t === undefined) return bad(`expected ${EXPECT.listen}, got ${show(v)}`, hint);
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(t) ?? /^()()(\d+)$/.exec(t);
  const p = m ? Number(m[3]) : NaN;
  if (!m || !(p >= 1 && p <= 65535)) return bad(`${show(v)} is not a valid listen address`, hint);
  return ok({ host: m[1] ?? m[2] ?? '', port: p } satisfies HttpListen);
}

function convertTcp(v: unknown): Converted {
  const port = (s: string): number | undefined => (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 65535 ? Number(s) : undefined);
  const hint = 'write a port like 5432 or "host:port" like "127.0.0.1:5432" or "[::1]:5432"';
  const t = text(v);
  if (t === undefined) return bad(`expected ${EXPECT.tcp}, got ${show(v)}`, hint);
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(t);
  const host = m ? (m[1] ?? m[2] ?? '') : '127.0.0.1';
  const p = port(m ? (m[3] ?? '') : t);
  return p === undefined ? bad(`${show(v)} is not a valid port or host:port`, hint) : ok({ kind: 'tcp', host, port: p } satisfies ProbeSpec);
}
