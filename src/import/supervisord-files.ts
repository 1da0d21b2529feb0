// Reading a supervisord.conf: the file and, in reading order, every file its
// [include] `files =` globs name (each read once), as INI sections
// (ini.ts). The globbing is Python's as supervisord uses it: `*`, `?` and
// `[…]` in any path segment, dot files skipped, matches sorted.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DinitError } from '../errors.js';
import { fsReason } from '../config/source.js';
import { parseIni, type IniSection } from './ini.js';
import { expand, located } from './supervisord-values.js';

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new DinitError('CONFIG_READ', `cannot read ${file}: ${fsReason(e)}`, { file }, e);
  }
}

/** `*`, `?` and `[…]` in any path segment, as supervisord's [include] (Python glob) allows. */
function glob(pattern: string): string[] {
  const parts = pattern.split('/');
  let found = [parts[0] === '' ? '/' : '.'];
  for (const part of parts.slice(parts[0] === '' ? 1 : 0)) {
    if (part === '') continue;
    if (!/[*?[]/.test(part)) {
      found = found.map((d) => join(d, part));
      continue;
    }
    const re = new RegExp(
      `^${part
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')}$`,
    );
    const next: string[] = [];
    for (const d of found) {
      let names: string[];
      try {
        names = readdirSync(d).sort();
      } catch {
        continue;
      }
      for (const n of names) if (!n.startsWith('.') && re.test(n)) next.push(join(d, n));
    }
    found = next;
  }
  return found.filter((f) => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
}

/** The sections of a supervisord.conf and of every file its [include] names, in reading order. */
export function readSections(file: string, seen: Set<string>): IniSection[] {
  const abs = resolve(file);
  if (seen.has(abs)) return [];
  seen.add(abs);
  const sections = parseIni(readText(abs), abs);
  const out: IniSection[] = [];
  for (const s of sections) {
    if (s.name !== 'include') {
      out.push(s);
      continue;
    }
    const files = s.entries.get('files');
    if (!files) throw located(abs, { line: s.line, col: 1 }, '[include] has no files = setting', 'files = conf.d/*.conf');
    const here = dirname(abs);
    for (const pat of expand(files, { here }, abs).split(/\s+/).filter(Boolean)) {
      for (const f of glob(isAbsolute(pat) ? pat : join(here, pat))) out.push(...readSections(f, seen));
    }
  }
  return out;
}
