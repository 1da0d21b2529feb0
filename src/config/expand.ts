// Variable expansion in dinit.yaml string values, compose-style: `${VAR}`,
// `${VAR:-default}` (unset or empty), `${VAR-default}` (unset only),
// `${VAR:?message}` / `${VAR?message}` (required), `$$` for a literal `$`.
// A bare `$NAME` is left alone on purpose: commands such as
// `sh -c 'echo $HOME'` mean the shell's variable, not dinit's. An unset
// `${VAR}` expands to the empty string, like compose; a malformed `${` is an
// error, because silently keeping it would hide a typo.
//
// An expanded value is bounded (MAX_EXPANDED_LENGTH): lines that double a
// variable (`A=${A}${A}`, forty times) would otherwise reach 2^40 characters
// and crash the loader with "Invalid string length" instead of a located error.

import { formatBytes } from '../units.js';

export type ExpandResult = { ok: true; value: string } | { ok: false; error: string; hint?: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * The longest value an expansion may produce: 128 KiB, the kernel's limit for
 * one argument or environment string (MAX_ARG_STRLEN), so nothing longer
 * could reach a service anyway.
 */
export const MAX_EXPANDED_LENGTH = 128 * 1024;

function tooLong(): ExpandResult {
  return {
    ok: false,
    error: `the expanded value is longer than ${formatBytes(MAX_EXPANDED_LENGTH, { prose: true })} (the most one argument or environment string may hold)`,
    hint: 'a variable that refers to itself grows with every line: check the ${...} references',
  };
}

export function expandVars(s: string, env: NodeJS.ProcessEnv): ExpandResult {
  if (!s.includes('$')) return { ok: true, value: s };
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next !== '{') {
      out += '$';
      i++;
      continue;
    }
    const close = matchingBrace(s, i + 2);
    // Not quoting s: environment values are often secrets (the position locates it).
    if (close < 0) return fail(`unclosed "\${" at character ${i + 1} of the value`);
    const body = s.slice(i + 2, close);
    const r = expandOne(body, env);
    if (!r.ok) return r;
    if (out.length + r.value.length > MAX_EXPANDED_LENGTH) return tooLong();
    out += r.value;
    i = close + 1;
  }
  return { ok: true, value: out };
}

function fail(error: string): ExpandResult {
  return { ok: false, error, hint: 'write ${NAME} or ${NAME:-default}; use $$ for a literal $' };
}

/** Index of the `}` closing a `${` whose body starts at `from`, allowing nested `${…}` in defaults. */
function matchingBrace(s: string, from: number): number {
  let depth = 1;
  for (let j = from; j < s.length; j++) {
    if (s[j] === '$' && s[j + 1] === '{') {
      depth++;
      j++;
    } else if (s[j] === '}') {
      if (--depth === 0) return j;
    }
  }
  return -1;
}

function expandOne(body: string, env: NodeJS.ProcessEnv): ExpandResult {
  const name = NAME.exec(body)?.[0];
  if (!name) return fail(`"\${${body}}" does not start with a variable name`);
  const rest = body.slice(name.length);
  const value = env[name];
  if (rest === '') return { ok: true, value: value ?? '' };
  const op = /^(:?[-?])/.exec(rest)?.[1];
  if (!op) return fail(`"\${${body}}": unknown operator "${rest}" after ${name}`);
  const arg = rest.slice(op.length);
  const missing = op.startsWith(':') ? value === undefined || value === '' : value === undefined;
  if (!missing) return { ok: true, value: value ?? '' };
  if (op.endsWith('?')) {
    return { ok: false, error: `required variable ${name} is not set${arg ? `: ${arg}` : ''}`, hint: `set ${name} in dinit's environment` };
  }
  return expandVars(arg, env);
}

/**
 * The dinit token at s[i] (which is '$'): `$$` or `${…}`, expanded. For callers
 * that expand while reading a string of their own syntax (a command line split
 * into words), so that a value is data, never that syntax. `end` is the index
 * after the token; a '$' starting neither form is itself (length 1).
 */
export function expandTokenAt(s: string, i: number, env: NodeJS.ProcessEnv): ExpandResult & { end?: number } {
  const next = s[i + 1];
  if (next === '$') return { ok: true, value: '$', end: i + 2 };
  if (next !== '{') return { ok: true, value: '$', end: i + 1 };
  const close = matchingBrace(s, i + 2);
  if (close < 0) return fail(`unclosed "\${" at character ${i + 1} of the value`);
  const r = expandOne(s.slice(i + 2, close), env);
  return r.ok ? { ...r, end: close + 1 } : r;
}
