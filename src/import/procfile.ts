// Procfile (foreman, honcho, overmind) → services. Each `name: command` line
// is a process service run through `sh -c` in the Procfile's directory, as
// foreman runs it; a `.env` beside the Procfile becomes `env-file`. PORT is
// assigned the way foreman does: the base port (PORT from .env, else 5000)
// plus 100 for each process type before this one in the file.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ConfigError, DinitError, type ConfigIssue } from '../errors.js';
import { parseEnvFile } from '../config/env-file.js';
import { fsReason } from '../config/source.js';
import { literal, newConversion, newDraft, put, serviceName, uniqueName, type Conversion } from './draft.js';

export const PROCFILE_LINE = /^([A-Za-z0-9_-]+)\s*:\s*(.*)$/;

/** Paths in dinit.yaml are relative to the config file's directory: `outDir`. */
export function importProcfile(file: string, outDir: string): Conversion {
  const abs = resolve(file);
  const c = newConversion('procfile', abs);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new DinitError('CONFIG_READ', `cannot read ${abs}: ${fsReason(e)}`, { file: abs }, e);
  }
  const dir = dirname(abs);
  const rel = (p: string): string => relative(outDir, p) || '.';
  const envFile = join(dir, '.env');
  const hasEnv = existsSync(envFile);
  let base = 5000;
  if (hasEnv) {
    const port = parseEnvFile(readFileSync(envFile, 'utf8'), envFile, {}).vars['PORT'];
    if (port !== undefined && /^\d+$/.test(port)) base = Number(port);
  }
  const issues: ConfigIssue[] = [];
  const taken = new Set<string>();
  let index = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = PROCFILE_LINE.exec(line);
    if (!m || !(m[2] ?? '').trim()) {
      const col = raw.length - raw.trimStart().length + 1;
      issues.push({ pos: { file: abs, line: i + 1, col }, message: m ? `process type "${m[1]}" has no command` : 'not a "name: command" line', hint: 'Procfile lines look like web: bundle exec puma -p $PORT' });
      return;
    }
    const name = m[1] as string;
    const command = (m[2] as string).trim();
    const d = newDraft(uniqueName(taken, serviceName(name)), `${basename(abs)}:${i + 1}`);
    put(d, 'command', ['sh', '-c', literal(command)], { key: name, value: command });
    put(d, 'working-dir', rel(dir), { key: name, value: command });
    if (hasEnv) put(d, 'env-file', rel(envFile), { key: '.env', value: rel(envFile) });
    put(d, 'environment', { PORT: String(base + 100 * index) }, { key: 'PORT', value: String(base + 100 * index) });
    index++;
    c.services.push(d);
  });
  if (issues.length > 0) throw new ConfigError(issues);
  if (c.services.length === 0) throw new ConfigError([{ pos: { file: abs, line: 1, col: 1 }, message: 'the Procfile has no processes', hint: 'add lines like web: bundle exec puma' }]);
  c.notes.push('PORT is set per process as foreman does: the base (PORT in .env, else 5000) plus 100 per process type above it');
  c.notes.push('foreman stops everything when one process exits; dinit restarts it (restart: on-failure) and keeps the others running');
  return c;
}
