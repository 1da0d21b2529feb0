// One supervisord [program:x] → dinit service drafts: one draft, or one per
// process when numprocs > 1 and dinit has no `replicas`. Each setting
// supervisord has is put as its dinit key or noted as not converted, with
// why; the whole-file conversion (groups, priority, [supervisord]) is
// supervisord.ts.

import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { parseSignal } from '../units.js';
import { splitWords } from '../config/values.js';
import { newDraft, note, put, seconds, serviceName, uniqueName, type Draft } from './draft.js';
import type { IniSection, IniValue } from './ini.js';
import { bool, byteSize, expand, located, parseEnvironment } from './supervisord-values.js';

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
export interface Program {
  section: IniSection;
  name: string;
  instances: string[];
}
export function convertProgram(shown: (f: string) => string, p: Program, taken: Set<string>, groupOf: Map<string, string>, numprocs: number, start: number, replicas: boolean): Draft[] {
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
