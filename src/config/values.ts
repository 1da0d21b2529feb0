// Scalar value grammars of dinit.yaml: durations, sizes, signals, umasks and
// command lines. Each parser answers `undefined` (or throws, for command
// lines) instead of guessing, so the validator can say exactly what is allowed.
// Numbers written without a unit mean seconds (durations) or bytes (sizes),
// the way docker compose and systemd users expect.

import { constants } from 'node:os';
import { expandTokenAt, expandVars } from './expand.js';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `10s`, `2m`, `1h`, `1m30s`, or a number of seconds (may be fractional). Returns ms. */
export function parseDuration(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] ?? 1000);
  return Math.round(total);
}

/** Human form of a duration in ms, the inverse of parseDuration for messages. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return ms > 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

// Bare K/M/G are binary like docker's `10m`; KB/MB/GB are SI, KiB/MiB/GiB binary.
const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1024, kb: 1000, kib: 1024,
  m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3,
};

/** Bytes from `10MB`, `512KB`, `1GiB`, `10m` or a plain number of bytes. */
export function parseSize(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim());
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] ?? '').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/** `SIGTERM`, `TERM`, `term` or `15` → 'SIGTERM'; undefined unless it is a real signal here. */
export function parseSignal(v: string | number): NodeJS.Signals | undefined {
  const table = constants.signals as Record<string, number>;
  const s = typeof v === 'number' ? v : v.trim();
  const num = typeof s === 'number' ? s : /^\d+$/.test(s) ? Number(s) : undefined;
  if (num !== undefined) {
    for (const [name, n] of Object.entries(table)) if (n === num) return name as NodeJS.Signals;
    return undefined;
  }
  const upper = String(s).toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return name in table ? (name as NodeJS.Signals) : undefined;
}

/**
 * A umask is always octal: "022", "0o022", and the YAML number 022 (which YAML
 * 1.2 reads as decimal 22 — so the caller passes the digits as written).
 */
export function parseUmask(written: string): number | undefined {
  const m = /^(?:0o)?([0-7]{1,4})$/i.exec(written.trim());
  if (!m) return undefined;
  const n = parseInt(m[1] ?? '', 8);
  return n <= 0o777 ? n : undefined;
}

/** Unquoted words that only make sense to a shell; dinit runs none. */
const SHELL_WORDS = new Set(['|', '||', '&&', ';', '&', '>', '>>', '<', '<<', '2>', '2>>', '2>&1', '>&2', '&>']);

export interface SplitResult {
  words: string[];
  /** Unquoted shell operators seen (`|`, `&&`, `>`, `$(`…): the author probably wanted a shell. */
  shellSyntax: string[];
}

/**
 * Split a command line into words as a POSIX shell would — whitespace
 * separates, '…' is literal, "…" keeps spaces and honours \" \\ \$ \`,
 * a backslash outside quotes escapes the next character — but without
 * globbing or operators. With `env`, dinit's `${VAR}` forms (and `$$`) are
 * expanded *after* splitting, as a shell expands parameters: the value is
 * data inside its word (its quotes and backslashes reach the program as
 * written); unquoted, it splits on blanks only and an empty one makes no word.
 * Throws on unbalanced quotes and on a bad `${…}` (ExpansionError).
 */
export class ExpansionError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function splitWords(s: string, env?: NodeJS.ProcessEnv): SplitResult {
  const words: string[] = [];
  const shellSyntax: string[] = [];
  let word = '';
  let inWord = false;
  /** Quoted or substituted: the word is data, not a shell operator. */
  let literal = false;
  const flush = (): void => {
    if (!inWord) return;
    if (!literal && (SHELL_WORDS.has(word) || word.startsWith('$(') || word.startsWith('`'))) shellSyntax.push(word);
    words.push(word);
    word = '';
    inWord = false;
    literal = false;
  };
  /** The `${…}` or `$$` at s[i] expanded; returns its value and moves i past it. */
  const expandAt = (i: number): { value: string; last: number } | null => {
    if (!env || s[i] !== '$' || (s[i + 1] !== '{' && s[i + 1] !== '$')) return null;
    const r = expandTokenAt(s, i, env);
    if (!r.ok) throw new ExpansionError(r.error, r.hint);
    return { value: r.value, last: (r.end ?? i + 1) - 1 };
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    const sub = c === '$' ? expandAt(i) : null;
    if (sub) {
      // Unquoted: field splitting on blanks, nothing else is special in the value.
      for (const v of sub.value) {
        if (v === ' ' || v === '\t' || v === '\n') flush();
        else {
          word += v;
          inWord = literal = true;
        }
      }
      i = sub.last;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      flush();
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unbalanced single quote at character ${i + 1}`);
      word += expandQuoted(s.slice(i + 1, end), env);
      inWord = literal = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        const d = s[j] as string;
        const inner = d === '$' ? expandAt(j) : null;
        if (inner) {
          word += inner.value;
          j = inner.last;
        } else if (d === '\\' && j + 1 < s.length && '"\\$`\n'.includes(s[j + 1] as string)) {
          j++;
          if (s[j] !== '\n') word += s[j];
        } else word += d;
      }
      if (j >= s.length) throw new Error(`unbalanced double quote at character ${i + 1}`);
      inWord = literal = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw new Error('trailing backslash escapes nothing');
      i++;
      if (s[i] !== '\n') {
        word += s[i];
        inWord = literal = true;
      }
    } else {
      word += c;
      inWord = true;
    }
  }
  flush();
  return { words, shellSyntax };
}

/** Inside '…': nothing is special but dinit's own `${…}` and `$$` (they work in every string). */
function expandQuoted(text: string, env: NodeJS.ProcessEnv | undefined): string {
  if (!env) return text;
  const r = expandVars(text, env);
  if (!r.ok) throw new ExpansionError(r.error, r.hint);
  return r.value;
}

/** splitWords, words only. Throws on unbalanced quotes. */
export function splitCommand(s: string): string[] {
  return splitWords(s).words;
}
