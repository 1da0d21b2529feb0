// The INI dialect supervisord reads (Python's configparser as supervisord
// configures it): `[section]` headers, `key = value` or `key: value` (keys
// are case-insensitive), whole-line comments starting with `;` or `#`, inline
// comments after whitespace (`command = x  ; note`), indented continuation
// lines appended to the previous value with a newline. `%(name)s` expansions
// and `%%` are left to the caller, who knows the names. Why our own: the
// INI packages on npm (ini, js-ini…) drop inline-comment and continuation
// rules or positions; supervisord.conf errors must say file:line:col.

import { ConfigError, type ConfigIssue } from '../errors.js';

export interface IniValue {
  value: string;
  line: number;
  col: number;
}

export interface IniSection {
  name: string;
  file: string;
  line: number;
  entries: Map<string, IniValue>;
}

/** A value with its inline comment removed: `;` or `#` preceded by whitespace starts one. */
function stripInline(v: string): string {
  const m = /\s[;#]/.exec(v);
  return (m ? v.slice(0, m.index) : v).trim();
}

export function parseIni(text: string, file: string): IniSection[] {
  const sections: IniSection[] = [];
  const issues: ConfigIssue[] = [];
  let current: IniSection | undefined;
  let last: IniValue | undefined;
  text.split(/\r?\n/).forEach((raw, idx) => {
    const line = idx + 1;
    const trimmed = raw.trim();
    if (trimmed === '') {
      last = undefined;
      return;
    }
    if (trimmed.startsWith(';') || trimmed.startsWith('#')) return;
    const indent = raw.length - raw.trimStart().length;
    if (indent > 0 && last) {
      const more = stripInline(' ' + trimmed);
      if (more) last.value = last.value ? `${last.value}\n${more}` : more;
      return;
    }
    const header = /^\[([^\]]*)\]\s*(.*)$/.exec(trimmed);
    if (header) {
      const rest = header[2] ?? '';
      if (rest !== '' && !/^[;#]/.test(rest))
        issues.push({ pos: { file, line, col: raw.indexOf(']') + 2 }, message: `unexpected text after the section header: ${rest}`, hint: 'a section header stands alone on its line: [program:web]' });
      const name = (header[1] ?? '').trim();
      current = sections.find((s) => s.name === name);
      if (!current) {
        current = { name, file, line, entries: new Map() };
        sections.push(current);
      }
      last = undefined;
      return;
    }
    const m = /^([^=:]+?)\s*[=:]\s?(.*)$/.exec(trimmed);
    if (!m) {
      issues.push({ pos: { file, line, col: indent + 1 }, message: 'not a "key = value" line, a [section] header or a comment', hint: 'continuation lines must be indented; comments start with ; or #' });
      last = undefined;
      return;
    }
    if (!current) {
      issues.push({ pos: { file, line, col: indent + 1 }, message: `"${m[1]}" comes before any [section] header`, hint: 'put settings under a section such as [program:NAME]' });
      return;
    }
    const key = (m[1] ?? '').toLowerCase();
    const valueCol = indent + trimmed.length - (m[2] ?? '').length + 1;
    last = { value: stripInline(' ' + (m[2] ?? '')), line, col: valueCol };
    current.entries.set(key, last);
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return sections;
}
