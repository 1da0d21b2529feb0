// supervisord's value syntax: `%(name)s` expansions, booleans, the
// `KEY="val",KEY2=val2` environment list, byte sizes, and the error that
// points at a value's place in its file. Shared by the reading of includes
// (supervisord-files.ts), the [program] mapping (supervisord-program.ts) and
// the whole-file conversion (supervisord.ts).

import { ConfigError, type ConfigIssue } from '../errors.js';
import { literal } from './draft.js';
import type { IniValue } from './ini.js';

/** A config error at a place in a supervisord file (a value, or a section's header). */
export function located(file: string, v: { line: number; col: number }, message: string, hint?: string): ConfigError {
  const issue: ConfigIssue = { pos: { file, line: v.line, col: v.col }, message, ...(hint ? { hint } : {}) };
  return new ConfigError([issue]);
}

/**
 * supervisord's `%(name)s` / `%(name)02d` expansions and `%%`. `ENV_X`
 * becomes `${X}` for dinit to expand at start-up; the text around is made
 * literal for dinit (its own `${` and `$$` are escaped).
 */
export function expand(v: IniValue, vars: Record<string, string | number>, file: string): string {
  let out = '';
  let last = 0;
  const re = /%\(([^)]*)\)([-#0 +]*)(\d*)([sd])|%%|%/g;
  for (let m = re.exec(v.value); m; m = re.exec(v.value)) {
    out += literal(v.value.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[0] === '%%') {
      out += '%';
      continue;
    }
    if (m[0] === '%') {
      const lines = v.value.slice(0, m.index).split('\n');
      const col = lines.length === 1 ? v.col + m.index : (lines[lines.length - 1]?.length ?? 0) + 1;
      throw located(file, { line: v.line + lines.length - 1, col }, 'a lone % in a value', 'write %% for a literal %, or %(name)s for an expansion');
    }
    const name = m[1] ?? '';
    if (name.startsWith('ENV_')) {
      out += `\${${name.slice(4)}}`;
      continue;
    }
    const value = vars[name];
    if (value === undefined) {
      throw located(
        file,
        v,
        `unknown expansion %(${name})s`,
        `supervisord knows ${Object.keys(vars)
          .map((k) => `%(${k})s`)
          .join(', ')} and %(ENV_NAME)s`,
      );
    }
    const s = String(value);
    out += m[4] === 'd' && m[3] ? s.padStart(Number(m[3]), m[2]?.includes('0') ? '0' : ' ') : s;
  }
  return out + literal(v.value.slice(last));
}

export function bool(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(s)) return true;
  if (['false', 'no', 'off', '0'].includes(s)) return false;
  return undefined;
}

/** supervisord's `KEY="val",KEY2=val2` (quotes optional, commas separate). */
export function parseEnvironment(s: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /[\s,]/.test(s[i] as string)) i++;
    if (i >= s.length) break;
    const eq = s.indexOf('=', i);
    if (eq < 0) return `"${s.slice(i).trim()}" has no =`;
    const key = s.slice(i, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `"${key}" is not a variable name`;
    i = eq + 1;
    while (s[i] === ' ') i++;
    let value = '';
    while (i < s.length && s[i] !== ',') {
      const c = s[i] as string;
      if (c === '"' || c === "'") {
        const end = s.indexOf(c, i + 1);
        if (end < 0) return `unclosed ${c} in the value of ${key}`;
        value += s.slice(i + 1, end);
        i = end + 1;
      } else {
        value += c;
        i++;
      }
    }
    out[key] = value.trim();
  }
  return out;
}

/** supervisord's byte sizes: KB, MB, GB are binary. */
export function byteSize(s: string): string | undefined {
  const m = /^(\d+)\s*(KB|MB|GB)?$/i.exec(s.trim());
  if (!m) return undefined;
  return m[2] ? `${m[1]}${m[2][0]?.toUpperCase()}iB` : m[1];
}
