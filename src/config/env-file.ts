// env-file parsing, the dotenv/compose dialect: KEY=VALUE lines, `#` comments
// (whole lines, or after whitespace following an unquoted value), an optional
// `export ` prefix, "double quotes" (escapes \n \t \" \\ and ${VAR} expansion),
// 'single quotes' (literal). Values may refer to dinit's environment and to
// keys defined earlier in the same file. Problems are located in the env-file
// itself, so `dinit check` points at the right line — and never quote the
// value, which is as likely as not a secret that would end up in the logs.

import type { ConfigIssue } from '../errors.js';
import { expandVars } from './expand.js';

export interface EnvFileResult {
  vars: Record<string, string>;
  issues: ConfigIssue[];
}

export function parseEnvFile(text: string, file: string, env: NodeJS.ProcessEnv): EnvFileResult {
  const vars: Record<string, string> = {};
  const issues: ConfigIssue[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    const indent = raw.length - raw.trimStart().length;
    let rest = raw.trim();
    if (rest === '' || rest.startsWith('#')) return;
    const issue = (col: number, message: string, hint?: string): void => {
      issues.push({ pos: { file, line, col }, message, ...(hint ? { hint } : {}) });
    };
    let col = indent + 1;
    if (/^export\s+/.test(rest)) {
      const n = /^export\s+/.exec(rest)?.[0].length ?? 0;
      rest = rest.slice(n);
      col += n;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*/.exec(rest);
    if (!m) {
      // The line is not quoted back: it may well be a secret with a typo in it.
      issue(col, 'not a KEY=VALUE line', 'env-file lines look like NAME=value; comments start with #');
      return;
    }
    const key = m[1] as string;
    const valueCol = col + m[0].length;
    const value = parseValue(rest.slice(m[0].length), { ...env, ...vars });
    if (!value.ok) issue(valueCol, `${key}: ${value.error}`, value.hint);
    else vars[key] = value.value;
  });
  return { vars, issues };
}

type ValueResult = { ok: true; value: string } | { ok: false; error: string; hint?: string };

function parseValue(v: string, env: NodeJS.ProcessEnv): ValueResult {
  if (v.startsWith("'")) {
    const end = v.indexOf("'", 1);
    if (end < 0) return { ok: false, error: 'unclosed single quote', hint: "close the quote on the same line: KEY='value'" };
    return trailing(v.slice(end + 1)) ?? { ok: true, value: v.slice(1, end) };
  }
  if (v.startsWith('"')) {
    let out = '';
    let j = 1;
    for (; j < v.length && v[j] !== '"'; j++) {
      if (v[j] === '\\' && j + 1 < v.length) {
        j++;
        const e = v[j] as string;
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '$' ? '$$' : e;
      } else out += v[j];
    }
    if (j >= v.length) return { ok: false, error: 'unclosed double quote', hint: 'close the quote on the same line: KEY="value"' };
    return trailing(v.slice(j + 1)) ?? expandVars(out, env);
  }
  const unquoted = v.replace(/\s+#.*$/, '').trimEnd();
  return expandVars(unquoted, env);
}

/** After a closing quote only whitespace or a comment may follow. */
function trailing(after: string): ValueResult | undefined {
  const t = after.trim();
  return t === '' || t.startsWith('#') ? undefined : { ok: false, error: 'unexpected text after the closing quote', hint: 'only a # comment may follow it' };
}
