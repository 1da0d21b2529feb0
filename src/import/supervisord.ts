// supervisord.conf → services. Each [program:x] becomes a process service (or
// one per process when numprocs > 1 and dinit has no `replicas`), each
// [group:g] an internal service depending on its programs; priority becomes
// `after` ordering. `%(name)s` expansions are done here with supervisord's
// names, except `%(ENV_X)s`, which becomes `${X}` so dinit reads X from its
// own environment when it starts, as supervisord did.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigError, DinitError, type ConfigIssue } from '../errors.js';
import { fsReason } from '../config/source.js';
import { parseSignal } from '../units.js';
import { splitWords } from '../config/values.js';
import { knows, literal, newConversion, newDraft, note, put, seconds, serviceName, uniqueName, type Conversion, type Draft } from './draft.js';
import { parseIni, type IniSection, type IniValue } from './ini.js';

const DAEMON_ONLY = ['logfile', 'logfile_maxbytes', 'logfile_backups', 'loglevel', 'pidfile', 'nodaemon', 'silent', 'childlogdir', 'identifier', 'nocleanup'];
const CONTROL_SECTIONS = /^(unix_http_server|inet_http_server|supervisorctl|rpcinterface:.*)$/;

/** Settings handled by the [program] conversion (anything else is listed as not converted). */
const PROGRAM_KEYS = new Set([
  'command',
  'directory',
  'user',
  'umask',
  'environment',
  'autostart',
  'autorestart',
  'exitcodes',
  'startsecs',
  'startretries',
  'stopsignal',
  'stopwaitsecs',
  'stopasgroup',
  'killasgroup',
  'priority',
  'numprocs',
  'numprocs_start',
  'process_name',
  'stdout_logfile',
  'stdout_logfile_maxbytes',
  'stdout_logfile_backups',
  'stderr_logfile',
  'stderr_logfile_maxbytes',
  'stderr_logfile_backups',
  'redirect_stderr',
]);

const WHY: Record<string, string> = {
  serverurl: "dinit's control socket is not supervisord's XML-RPC server",
  stdout_syslog: "dinit has no syslog output; its console output is the container's log",
  stderr_syslog: "dinit has no syslog output; its console output is the container's log",
  stdout_capture_maxbytes: 'dinit has no process communication events',
  stderr_capture_maxbytes: 'dinit has no process communication events',
  stdout_events_enabled: 'dinit has no process communication events',
  stderr_events_enabled: 'dinit has no process communication events',
};

function located(file: string, v: { line: number; col: number }, message: string, hint?: string): ConfigError {
  const issue: ConfigIssue = { pos: { file, line: v.line, col: v.col }, message, ...(hint ? { hint } : {}) };
  return new ConfigError([issue]);
}

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
function readSections(file: string, seen: Set<string>): IniSection[] {
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

/**
 * supervisord's `%(name)s` / `%(name)02d` expansions and `%%`. `ENV_X`
 * becomes `${X}` for dinit to expand at start-up; the text around is made
 * literal for dinit (its own `${` and `$$` are escaped).
 */
function expand(v: IniValue, vars: Record<string, string | number>, file: string): string {
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

function bool(v: string): boolean | undefined {
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
function byteSize(s: string): string | undefined {
  const m = /^(\d+)\s*(KB|MB|GB)?$/i.exec(s.trim());
  if (!m) return undefined;
  return m[2] ? `${m[1]}${m[2][0]?.toUpperCase()}iB` : m[1];
}

interface Program {
  section: IniSection;
  name: string;
  instances: string[];
}

function convertProgram(shown: (f: string) => string, p: Program, taken: Set<string>, groupOf: Map<string, string>, numprocs: number, start: number, replicas: boolean): Draft[] {
  const { section } = p;
  const file = section.file;
  const e = section.entries;
  const drafts: Draft[] = [];
  for (let i = 0; i < (replicas ? 1 : numprocs); i++) {
    const vars: Record<string, string | number> = {
      program_name: p.name,
      group_name: groupOf.get(p.name) ?? p.name,
      process_num: start + i,
      numprocs,
      here: dirname(file),
      host_node_name: hostname(),
    };
    const x = (k: string): string | undefined => {
      const v = e.get(k);
      return v === undefined ? undefined : expand(v, vars, file);
    };
    const procName = numprocs > 1 && !replicas ? (x('process_name') ?? p.name) : p.name;
    const d = newDraft(uniqueName(taken, serviceName(procName)), `[${section.name}] in ${shown(file)}:${section.line}`);
    const raw = (k: string): string => e.get(k)?.value ?? '';
    const orig = (k: string): { key: string; value: string } => ({ key: k, value: raw(k) });
    const command = x('command');
    if (command === undefined) throw located(file, { line: section.line, col: 1 }, `[${section.name}] has no command`, 'supervisord requires command = PROGRAM ARGS');
    let words: string[];
    try {
      words = splitWords(command).words;
    } catch (err) {
      const v = e.get('command') as IniValue;
      throw located(file, v, `command: ${(err as Error).message}`, 'close the quote');
    }
    put(d, 'command', words, orig('command'));
    if (replicas) put(d, 'replicas', numprocs, orig('numprocs'));
    const dir = x('directory');
    if (dir) put(d, 'working-dir', dir, orig('directory'));
    const user = x('user');
    if (user) put(d, 'user', user, orig('user'));
    const umask = x('umask');
    if (umask) put(d, 'umask', umask, orig('umask'));
    const env = x('environment');
    if (env) {
      const parsed = parseEnvironment(env);
      if (typeof parsed === 'string') throw located(file, e.get('environment') as IniValue, `environment: ${parsed}`, 'environment = KEY="value",KEY2="value2"');
      put(d, 'environment', parsed, orig('environment'));
    }
    const autostart = x('autostart');
    if (autostart !== undefined && bool(autostart) === false) put(d, 'auto-start', false, orig('autostart'));
    const autorestart = x('autorestart')?.toLowerCase();
    if (autorestart !== undefined) {
      const r = autorestart === 'unexpected' ? 'on-failure' : bool(autorestart) === true ? 'always' : bool(autorestart) === false ? 'never' : undefined;
      if (r) put(d, 'restart', r, orig('autorestart'));
      else note(d, 'autorestart', raw('autorestart'), 'not true, false or unexpected');
    }
    const exitcodes = x('exitcodes');
    if (exitcodes !== undefined) {
      const codes = exitcodes.split(',').map((s) => Number(s.trim()));
      if (codes.some((n) => !Number.isInteger(n))) note(d, 'exitcodes', raw('exitcodes'), 'not a list of exit codes');
      else if (!(codes.length === 1 && codes[0] === 0)) put(d, 'success-exit-codes', codes, orig('exitcodes'));
    }
    const startsecs = x('startsecs');
    const startretries = x('startretries');
    if (startsecs !== undefined || startretries !== undefined) {
      const secs = Number(startsecs ?? 1);
      const retries = Number(startretries ?? 3);
      const from = {
        key: startsecs !== undefined ? 'startsecs' : 'startretries',
        value: startsecs !== undefined ? `${raw('startsecs')}${startretries !== undefined ? `, startretries = ${raw('startretries')}` : ''}` : raw('startretries'),
      };
      if (!(secs >= 0) || !Number.isInteger(retries) || retries < 0) note(d, from.key, from.value, 'not a number');
      else if (secs === 0) note(d, from.key, from.value, 'startsecs = 0: supervisord never counts a start as failed; dinit always has a restart limit (default 3 in 10s)');
      else {
        put(d, 'restart-limit.count', retries, from);
        put(d, 'restart-limit.interval', seconds(secs * (retries + 1)), from);
      }
    }
    const stopsignal = x('stopsignal');
    if (stopsignal !== undefined) {
      const sig = parseSignal(stopsignal);
      if (sig) put(d, 'stop-signal', sig, orig('stopsignal'));
      else note(d, 'stopsignal', raw('stopsignal'), 'not a signal');
    }
    const stopwait = x('stopwaitsecs');
    if (stopwait !== undefined) {
      const n = Number(stopwait);
      if (n >= 0) put(d, 'stop-timeout', seconds(n), orig('stopwaitsecs'));
      else note(d, 'stopwaitsecs', raw('stopwaitsecs'), 'not a number of seconds');
    }
    const logfile = x('stdout_logfile');
    const console = (f: string | undefined): boolean => f === undefined || ['', 'AUTO', 'NONE', '/dev/stdout', '/dev/stderr', '/dev/fd/1', '/dev/fd/2', '/proc/self/fd/1', '/proc/self/fd/2'].includes(f);
    if (!console(logfile)) {
      put(d, 'log.file', logfile, orig('stdout_logfile'));
      const max = x('stdout_logfile_maxbytes');
      if (max !== undefined) {
        const size = byteSize(max);
        if (size !== undefined) put(d, 'log.max-size', size, orig('stdout_logfile_maxbytes'));
        else note(d, 'stdout_logfile_maxbytes', raw('stdout_logfile_maxbytes'), 'not a size');
      }
      const keep = x('stdout_logfile_backups');
      if (keep !== undefined) put(d, 'log.keep', Number(keep), orig('stdout_logfile_backups'));
    }
    const errfile = x('stderr_logfile');
    if (!console(errfile) && errfile !== logfile && bool(x('redirect_stderr') ?? 'false') !== true) {
      note(d, 'stderr_logfile', raw('stderr_logfile'), 'dinit writes stdout and stderr to the one log.file');
    }
    for (const [k, v] of e) {
      if (PROGRAM_KEYS.has(k)) continue;
      note(d, k, v.value, WHY[k] ?? 'dinit has no equivalent');
    }
    drafts.push(d);
  }
  return drafts;
}

export function importSupervisord(file: string): Conversion {
  const abs = resolve(file);
  const c = newConversion('supervisord', abs);
  const sections = readSections(abs, new Set());
  const shown = (f: string): string => relative(dirname(abs), f);
  const taken = new Set<string>();
  const groupOf = new Map<string, string>();
  for (const s of sections) {
    if (!s.name.startsWith('group:')) continue;
    for (const p of (s.entries.get('programs')?.value ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean))
      groupOf.set(p, s.name.slice(6));
  }
  const programs: { p: Program; priority: number | undefined; drafts: Draft[] }[] = [];
  const control: string[] = [];
  for (const s of sections) {
    const [kind, ...rest] = s.name.split(':');
    const name = rest.join(':');
    if (kind === 'program') {
      const numprocs = Number(s.entries.get('numprocs')?.value ?? 1);
      const start = Number(s.entries.get('numprocs_start')?.value ?? 0);
      if (!Number.isInteger(numprocs) || numprocs < 1) throw located(s.file, s.entries.get('numprocs') as IniValue, 'numprocs must be a whole number of 1 or more');
      const usesNum = [...s.entries.entries()].some(([k, v]) => k !== 'process_name' && /%\(process_num\)/.test(v.value));
      const replicas = numprocs > 1 && !usesNum && knows('replicas');
      if (numprocs > 1 && !replicas && !/%\(process_num\)/.test(s.entries.get('process_name')?.value ?? '')) {
        throw located(s.file, { line: s.line, col: 1 }, `[${s.name}]: numprocs = ${numprocs} needs a process_name containing %(process_num)s`, 'process_name = %(program_name)s_%(process_num)02d');
      }
      const p: Program = { section: s, name, instances: [] };
      const drafts = convertProgram(shown, p, taken, groupOf, numprocs, start, replicas);
      p.instances = drafts.map((d) => d.name);
      const pr = s.entries.get('priority');
      programs.push({ p, priority: pr ? Number(pr.value) : undefined, drafts });
      c.services.push(...drafts);
      if (drafts.length > 1 && !groupOf.has(name)) {
        const g = newDraft(uniqueName(taken, serviceName(name)), `[${s.name}] in ${shown(s.file)}:${s.line} (numprocs = ${numprocs}: one service per process)`);
        put(g, 'type', 'internal', { key: 'numprocs', value: String(numprocs) });
        put(g, 'depends-on', p.instances, { key: 'numprocs', value: String(numprocs) });
        put(g, 'auto-start', false, { key: 'numprocs', value: String(numprocs) });
        c.services.push(g);
      }
    } else if (kind === 'supervisord') {
      const daemon: string[] = [];
      for (const [k, v] of s.entries) {
        if (k === 'environment') {
          const env = parseEnvironment(v.value);
          if (typeof env === 'string') throw located(s.file, v, `environment: ${env}`, 'environment = KEY="value",KEY2="value2"');
          for (const [ek, ev] of Object.entries(env)) c.environment[ek] = literal(ev);
        } else if (DAEMON_ONLY.includes(k)) daemon.push(k);
        else c.notConverted.push({ key: `[supervisord] ${k}`, value: v.value, why: 'dinit has no equivalent supervisor-wide setting' });
      }
      if (daemon.length > 0) c.notes.push(`[supervisord] ${daemon.join(', ')}: supervisord daemon settings; dinit runs in the foreground and prints its own messages`);
    } else if (CONTROL_SECTIONS.test(s.name)) {
      control.push(`[${s.name}]`);
    } else if (kind !== 'group') {
      const why = kind === 'eventlistener' ? 'dinit has no event listeners' : kind === 'fcgi-program' ? 'dinit has no FastCGI socket manager' : 'not a section dinit knows';
      c.notConverted.push({ key: `[${s.name}]`, value: s.entries.get('command')?.value ?? '', why });
    }
  }
  if (control.length > 0) c.notes.push(`${control.join(', ')}: supervisorctl's interface; dinit answers dinit status/start/stop on its own control socket`);
  // priority: lower starts first. Each program starts after those of the next lower priority.
  const levels = [...new Set(programs.map((x) => x.priority ?? 999))].sort((a, b) => a - b);
  if (levels.length > 1) {
    for (const x of programs) {
      const mine = x.priority ?? 999;
      const below = levels.filter((l) => l < mine).pop();
      if (below === undefined) continue;
      const names = programs.filter((y) => (y.priority ?? 999) === below).flatMap((y) => y.p.instances);
      for (const d of x.drafts) put(d, 'after', names, { key: 'priority', value: String(mine) });
    }
  }
  for (const s of sections) {
    if (!s.name.startsWith('group:')) continue;
    const g = newDraft(uniqueName(taken, serviceName(s.name.slice(6))), `[${s.name}] in ${shown(s.file)}:${s.line}`);
    const members = (s.entries.get('programs')?.value ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const names: string[] = [];
    for (const m of members) {
      const prog = programs.find((x) => x.p.name === m);
      if (!prog) throw located(s.file, s.entries.get('programs') as IniValue, `[${s.name}] names program "${m}", which has no [program:${m}] section`);
      names.push(...prog.p.instances);
    }
    put(g, 'type', 'internal', { key: 'programs', value: members.join(',') });
    put(g, 'depends-on', names, { key: 'programs', value: members.join(',') });
    // A handle to start them together (`dinit start g`), as supervisorctl start g:* is: starting
    // it at boot would also start members that have autostart=false.
    put(g, 'auto-start', false, { key: 'programs', value: members.join(',') });
    for (const [k, v] of s.entries) if (k !== 'programs') note(g, k, v.value, k === 'priority' ? "a group's priority: its programs' own priorities order them" : 'dinit has no equivalent');
    c.services.push(g);
  }
  return c;
}
