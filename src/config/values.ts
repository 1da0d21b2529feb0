// Scalar value grammars of dinit.yaml that only the config has: umasks and
// command lines (durations, sizes and signals are src/units.ts). Each parser
// answers `undefined` (or throws, for command lines) instead of guessing, so
// the validator can say exactly what is allowed.

import { expandTokenAt, expandVars, MAX_EXPANDED_LENGTH } from './expand.js';
import { formatBytes } from '../units.js';

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
  /** What expansions added, all words together: bounded like one expanded value, so many `${A}`s cannot build a huge argv. */
  let expanded = 0;
  const counted = (value: string): string => {
    expanded += value.length;
    if (expanded > MAX_EXPANDED_LENGTH) {
      throw new ExpansionError(`the expanded command is longer than ${formatBytes(MAX_EXPANDED_LENGTH, { prose: true })} (the most one argument may hold)`);
    }
    return value;
  };
  /** The `${…}` or `$$` at s[i] expanded; returns its value and moves i past it. */
  const expandAt = (i: number): { value: string; last: number } | null => {
    if (!env || s[i] !== '$' || (s[i + 1] !== '{' && s[i + 1] !== '$')) return null;
    const r = expandTokenAt(s, i, env);
    if (!r.ok) throw new ExpansionError(r.error, r.hint);
    return { value: counted(r.value), last: (r.end ?? i + 1) - 1 };
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
      word += env ? counted(expandQuoted(s.slice(i + 1, end), env)) : s.slice(i + 1, end);
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
