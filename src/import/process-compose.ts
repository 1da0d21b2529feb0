// process-compose.yaml → services. Commands run through the file's shell
// (`shell.shell_command`, bash by default, as process-compose does); each
// depends_on condition becomes the dinit edge with the same meaning, and the
// dependency itself gets what the condition waits for: `ready:` from its
// readiness_probe (process_healthy) or its ready_log_line (process_log_ready),
// `type: scripted` when the dependent waits for it to complete.

import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ConfigError, DinitError } from '../errors.js';
import { fsReason, Issues, readSource, type Source } from '../config/source.js';
import { getIn, isMap, isScalar, toJS } from '../config/yaml-tree.js';
import { parseSignal } from '../units.js';
import { literal, newConversion, newDraft, note, put, seconds, serviceName, type Conversion, type Draft } from './draft.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Settings handled below; any other key of a process is listed as not converted. */
const HANDLED = new Set([
  'command',
  'entrypoint',
  'working_dir',
  'environment',
  'depends_on',
  'readiness_probe',
  'liveness_probe',
  'ready_log_line',
  'availability',
  'shutdown',
  'disabled',
  'replicas',
  'is_daemon',
  'log_location',
  'description',
]);
const TOP_HANDLED = new Set(['version', 'processes', 'environment', 'shell', 'is_strict']);

const CONDITIONS = ['process_started', 'process_healthy', 'process_completed', 'process_completed_successfully', 'process_log_ready'] as const;
type Condition = (typeof CONDITIONS)[number];

/** An error at the key `path` names (its last element) in the file, or at its value when there is no key. */
function located(src: Source, path: (string | number)[], message: string, hint?: string): ConfigError {
  const issues = new Issues();
  const parent = path.length > 0 ? getIn(src.contents, path.slice(0, -1)) : undefined;
  const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]) : undefined;
  const node = pair?.key ?? getIn(src.contents, path);
  issues.add(src.pos(node), message, hint);
  return new ConfigError(issues.list);
}

/** A regular expression matching `line` literally (process-compose looks for the text itself). */
function escapeRegex(line: string): string {
  return line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function importProcessCompose(file: string): Conversion {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new DinitError('CONFIG_READ', `cannot read ${abs}: ${fsReason(e)}`, { file: abs }, e);
  }
  const issues = new Issues();
  const src = readSource(text, abs, issues);
  if (issues.count > 0) throw new ConfigError(issues.list);
  const root = toJS(src.contents);
  if (!isObj(root) || !isObj(root['processes']))
    throw located(src, isObj(root) && 'processes' in root ? ['processes'] : [], 'expected a map of processes under "processes:"', 'processes:\n  web:\n    command: ./server');
  const c = newConversion('process-compose', abs);
  const shell = isObj(root['shell']) ? root['shell'] : {};
  const sh = (cmd: string): string[] => [str(shell['shell_command'] ?? 'bash'), str(shell['shell_argument'] ?? '-c'), literal(cmd)];
  for (const [k, v] of Object.entries(root)) {
    if (k === 'environment') {
      const env = envOf(v);
      if (typeof env === 'string') throw located(src, ['environment'], env);
      Object.assign(c.environment, env);
    } else if (!TOP_HANDLED.has(k)) c.notConverted.push({ key: k, value: str(v), why: 'dinit has no equivalent' });
  }
  const procs = root['processes'];
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of Object.keys(procs)) {
    if (!isObj(procs[name])) throw located(src, ['processes', name], `process "${name}" is not a map of settings`);
    const n = serviceName(name);
    if (taken.has(n)) throw located(src, ['processes', name], `process "${name}" becomes the service name "${n}", which another process already has`, 'rename one of them');
    taken.add(n);
    names.set(name, n);
  }
  // What the dependents' conditions ask of each process.
  const asked = new Map<string, Set<Condition>>();
  for (const [name, p] of Object.entries(procs) as [string, Obj][]) {
    const deps = p['depends_on'];
    if (deps === undefined) continue;
    if (!isObj(deps)) throw located(src, ['processes', name, 'depends_on'], 'depends_on must map process names to { condition: … }');
    for (const [dep, spec] of Object.entries(deps)) {
      if (!names.has(dep)) throw located(src, ['processes', name, 'depends_on', dep], `depends on "${dep}", which is not a process in this file`);
      const cond = (isObj(spec) ? spec['condition'] : undefined) ?? 'process_started';
      if (!CONDITIONS.includes(cond as Condition)) throw located(src, ['processes', name, 'depends_on', dep, 'condition'], `unknown condition "${str(cond)}"`, `one of ${CONDITIONS.join(', ')}`);
      const set = asked.get(dep) ?? new Set<Condition>();
      set.add(cond as Condition);
      asked.set(dep, set);
    }
  }
  for (const [name, p] of Object.entries(procs) as [string, Obj][]) {
    const desc = typeof p['description'] === 'string' ? `: ${p['description']}` : '';
    const d = newDraft(names.get(name) as string, `processes.${name} in ${basename(abs)}:${src.pos(getIn(src.contents, ['processes', name])).line}${desc}`);
    const o = (k: string): { key: string; value: string } => ({ key: k, value: str(p[k]) });
    const wants = asked.get(name) ?? new Set<Condition>();
    const scripted = wants.has('process_completed') || wants.has('process_completed_successfully');
    if (scripted) put(d, 'type', 'scripted', { key: 'depends_on.condition', value: 'process_completed' });
    // dinit's type: forking finds the daemon through a pid file, which process-compose does not name.
    if (p['is_daemon'] === true) note(d, 'is_daemon', 'true', 'type: forking needs the pid-file the daemon writes: add both, or run it in the foreground');
    if (Array.isArray(p['entrypoint'])) put(d, 'command', [...(p['entrypoint'] as unknown[]).map((w) => literal(str(w))), ...(typeof p['command'] === 'string' ? [literal(p['command'])] : [])], o('entrypoint'));
    else if (typeof p['command'] === 'string') put(d, 'command', sh(p['command']), o('command'));
    else throw located(src, ['processes', name], `process "${name}" has no command`, 'add command: "…"');
    if (typeof p['working_dir'] === 'string') put(d, 'working-dir', p['working_dir'], o('working_dir'));
    if (p['environment'] !== undefined) {
      const env = envOf(p['environment']);
      if (typeof env === 'string') throw located(src, ['processes', name, 'environment'], env);
      put(d, 'environment', env, o('environment'));
    }
    if (p['disabled'] === true) put(d, 'auto-start', false, o('disabled'));
    if (p['replicas'] !== undefined && p['replicas'] !== 1) put(d, 'replicas', p['replicas'], o('replicas'));
    if (typeof p['log_location'] === 'string') put(d, 'log.file', p['log_location'], o('log_location'));
    // depends_on
    if (isObj(p['depends_on'])) {
      for (const [dep, spec] of Object.entries(p['depends_on'])) {
        const cond = ((isObj(spec) ? spec['condition'] : undefined) ?? 'process_started') as Condition;
        const key = cond === 'process_completed' ? 'waits-for' : 'depends-on';
        const list = (d.keys.get(key) as string[] | undefined) ?? [];
        put(d, key, [...list, names.get(dep) as string], { key: `depends_on.${dep}.condition`, value: cond });
      }
    }
    readiness(d, p, wants, sh, scripted);
    availability(d, p, scripted);
    if (isObj(p['shutdown'])) {
      const s = p['shutdown'];
      for (const [k, v] of Object.entries(s)) {
        const from = { key: `shutdown.${k}`, value: str(v) };
        if (k === 'signal') {
          const sig = typeof v === 'number' || typeof v === 'string' ? parseSignal(v) : undefined;
          if (sig) put(d, 'stop-signal', sig, from);
          else note(d, from.key, from.value, 'not a signal');
        } else if (k === 'timeout_seconds' && typeof v === 'number') put(d, 'stop-timeout', seconds(v), from);
        else if (k === 'command' && typeof v === 'string') put(d, 'stop-command', sh(v), from);
        else if (k === 'parent_only' && v === false) continue;
        else note(d, from.key, from.value, k === 'parent_only' ? 'dinit always signals the whole process group' : 'dinit has no equivalent');
      }
    }
    for (const [k, v] of Object.entries(p)) if (!HANDLED.has(k)) note(d, k, str(v), 'dinit has no equivalent');
    c.services.push(d);
  }
  return c;
}

/** process-compose environment: a list of "KEY=value" (or a map). */
function envOf(v: unknown): Record<string, string> | string {
  const out: Record<string, string> = {};
  if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) out[k] = literal(String(x));
    return out;
  }
  if (!Array.isArray(v)) return 'environment must be a list of "KEY=value"';
  for (const item of v) {
    const s = String(item);
    const eq = s.indexOf('=');
    if (eq <= 0) return `environment entry "${s}" is not KEY=value`;
    out[s.slice(0, eq)] = literal(s.slice(eq + 1));
  }
  return out;
}

function probe(d: Draft, prefix: 'ready' | 'health', name: string, pr: Obj, sh: (cmd: string) => string[]): void {
  const from = (k: string): { key: string; value: string } => ({ key: `${name}.${k}`, value: str(pr[k]) });
  const exec = pr['exec'];
  const http = pr['http_get'];
  if (isObj(exec) && typeof exec['command'] === 'string') {
    put(d, `${prefix}.exec`, sh(exec['command']), from('exec'));
    if (exec['working_dir'] !== undefined) note(d, `${name}.exec.working_dir`, str(exec['working_dir']), 'dinit runs probes in the service working directory');
  } else if (isObj(http)) {
    const host = str(http['host'] ?? '127.0.0.1');
    const path = str(http['path'] ?? '/');
    const url = `${str(http['scheme'] ?? 'http')}://${host}${http['port'] !== undefined ? `:${str(http['port'])}` : ''}${path.startsWith('/') ? path : `/${path}`}`;
    put(d, `${prefix}.http`, literal(url), from('http_get'));
  } else {
    note(d, name, str(pr), 'neither exec nor http_get');
    return;
  }
  if (typeof pr['period_seconds'] === 'number') put(d, `${prefix}.interval`, seconds(pr['period_seconds']), from('period_seconds'));
  if (typeof pr['timeout_seconds'] === 'number') put(d, `${prefix}.timeout`, seconds(pr['timeout_seconds']), from('timeout_seconds'));
  if (prefix === 'health') {
    if (typeof pr['failure_threshold'] === 'number') put(d, 'health.retries', pr['failure_threshold'], from('failure_threshold'));
    if (typeof pr['initial_delay_seconds'] === 'number') put(d, 'health.start-period', seconds(pr['initial_delay_seconds']), from('initial_delay_seconds'));
  } else if (pr['failure_threshold'] !== undefined) {
    note(d, `${name}.failure_threshold`, str(pr['failure_threshold']), 'dinit keeps probing readiness until start-timeout');
  }
  if (pr['success_threshold'] !== undefined && pr['success_threshold'] !== 1) note(d, `${name}.success_threshold`, str(pr['success_threshold']), 'dinit counts one success');
}

function readiness(d: Draft, p: Obj, wants: Set<Condition>, sh: (cmd: string) => string[], scripted: boolean): void {
  const rp = p['readiness_probe'];
  const line = p['ready_log_line'];
  const lp = p['liveness_probe'];
  if (scripted) {
    for (const k of ['readiness_probe', 'ready_log_line', 'liveness_probe']) {
      if (p[k] !== undefined) note(d, k, str(p[k]), 'a dependent waits for this process to complete, so it became scripted: started = exited 0');
    }
    return;
  }
  const logFirst = wants.has('process_log_ready') || !isObj(rp);
  if (typeof line === 'string' && logFirst) put(d, 'ready.log', escapeRegex(line), { key: 'ready_log_line', value: line });
  else if (line !== undefined) note(d, 'ready_log_line', str(line), 'dinit has one readiness condition: the readiness_probe is used');
  if (isObj(rp) && !(typeof line === 'string' && logFirst)) probe(d, 'ready', 'readiness_probe', rp, sh);
  else if (rp !== undefined && !isObj(rp)) note(d, 'readiness_probe', str(rp), 'not a probe');
  else if (isObj(rp)) note(d, 'readiness_probe', str(rp), 'dinit has one readiness condition: ready_log_line is used (a dependent waits for process_log_ready)');
  if (isObj(lp)) probe(d, 'health', 'liveness_probe', lp, sh);
}

function availability(d: Draft, p: Obj, scripted: boolean): void {
  const a = p['availability'];
  if (!isObj(a)) return;
  for (const [k, v] of Object.entries(a)) {
    const from = { key: `availability.${k}`, value: str(v) };
    if (k === 'restart') {
      if (scripted && v !== 'no') note(d, from.key, from.value, 'a dependent waits for this process to complete, so it became scripted: it runs once');
      else if (scripted) continue;
      else if (v === 'always') put(d, 'restart', 'always', from);
      else if (v === 'on_failure') put(d, 'restart', 'on-failure', from);
      else if (v === 'no') put(d, 'restart', 'never', from);
      else if (v === 'exit_on_failure') {
        put(d, 'restart', 'never', from);
        note(d, from.key, from.value, "dinit's options.on-failure: shutdown does this for every service, not one: set it if wanted");
      } else note(d, from.key, from.value, 'not always, on_failure, exit_on_failure or no');
    } else if (k === 'backoff_seconds' && typeof v === 'number') put(d, 'restart-delay', seconds(v), from);
    else if (k === 'max_restarts' && typeof v === 'number') {
      if (v === 0) note(d, from.key, from.value, 'unlimited restarts: dinit always has a restart-limit (default 3 in 10s)');
      else {
        put(d, 'restart-limit.count', v, from);
        put(d, 'restart-limit.interval', '24h', from);
      }
    } else if (k === 'exit_on_end' && v === true) put(d, 'main', true, from);
    else if (k === 'exit_on_end' && v === false) continue;
    else note(d, from.key, from.value, 'dinit has no equivalent');
  }
}
