// supervisord.conf → services. Each [program:x] becomes a process service (or
// one per process when numprocs > 1 and dinit has no `replicas`), each
// [group:g] an internal service depending on its programs; priority becomes
// `after` ordering. `%(name)s` expansions are done with supervisord's names
// (supervisord-values.ts), except `%(ENV_X)s`, which becomes `${X}` so dinit
// reads X from its own environment when it starts, as supervisord did. The
// files are read with their [include]s by supervisord-files.ts and each
// [program] is mapped by supervisord-program.ts; the whole file is put
// together here: groups, priority, numprocs handles, [supervisord] settings.

import { dirname, relative, resolve } from 'node:path';
import { knows, literal, newConversion, newDraft, note, put, serviceName, uniqueName, type Conversion, type Draft } from './draft.js';
import type { IniValue } from './ini.js';
import { readSections } from './supervisord-files.js';
import { convertProgram, type Program } from './supervisord-program.js';
import { located, parseEnvironment } from './supervisord-values.js';

const DAEMON_ONLY = ['logfile', 'logfile_maxbytes', 'logfile_backups', 'loglevel', 'pidfile', 'nodaemon', 'silent', 'childlogdir', 'identifier', 'nocleanup'];
const CONTROL_SECTIONS = /^(unix_http_server|inet_http_server|supervisorctl|rpcinterface:.*)$/;

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
