// Normalisation: from checked sections to the Config of src/types.ts. Every
// absent key takes its default from the key table (through the same converter
// as user input), names become camelCase fields, env-files are read and merged
// under `environment`, probes become ProbeSpecs. Nothing here judges the
// combination of keys; rules.ts and graph.ts do that afterwards.

import type { Config, HealthSpec, HttpListen, HttpOptions, Rlimit, SourcePos, LogSpec, Options, ProbeSpec, ReadySpec, ServiceConfig, ServiceType } from '../types.js';
import { RLIMIT_NAMES } from '../types.js';
import type { CheckContext, Section, ServiceEntry } from './check.js';
import { convertScalar } from './convert.js';
import type { NameRef } from './convert.js';
import { parseEnvFile } from './env-file.js';
import { MAX_NAMED_FILE_BYTES, RegularFileError, readRegularFileSync } from '../os/regular-file.js';
import { formatBytes } from '../units.js';
import { OPTIONS_SPEC, SERVICE_SPEC } from './keys.js';
import { fsReason } from './source.js';
import type { ObjectSpec, Spec } from './keys.js';

/** Converted defaults that are primitives (an object default is converted afresh each time, never shared). */
const primitiveDefaults = new Map<Spec, unknown>();

/** The converted default of a key of an object spec (undefined if it has none). */
function defaultOf(spec: ObjectSpec, key: string): unknown {
  const sub: Spec | undefined = spec.keys[key];
  if (!sub || sub.default === undefined || sub.kind === 'object' || sub.kind === 'services') return undefined;
  if (primitiveDefaults.has(sub)) return primitiveDefaults.get(sub);
  const r = convertScalar(sub, { value: sub.default, pos: { file: '<defaults>', line: 0, col: 0 }, expanded: false }, '/', {});
  if (!r.ok) throw new Error(`bad default for ${key}: ${r.message}`);
  if (r.value === null || typeof r.value !== 'object') primitiveDefaults.set(sub, r.value);
  return r.value;
}

/** The value given for `key`, or its default. */
function pick<T>(section: Section | undefined, spec: ObjectSpec, key: string): T {
  const v = section?.get<T>(key);
  return v !== undefined ? v : (defaultOf(spec, key) as T);
}

function sub(spec: ObjectSpec, key: string): ObjectSpec {
  const s = spec.keys[key];
  if (s?.kind !== 'object') throw new Error(`${key} is not an object key`);
  return s;
}

function buildHttp(section: Section | undefined): HttpOptions | undefined {
  const listen = section?.get<HttpListen>('listen');
  if (!section || !listen) return undefined;
  const tokenFile = section.get<string>('token-file');
  return { ...listen, control: pick(section, sub(OPTIONS_SPEC, 'http'), 'control'), ...(tokenFile !== undefined ? { tokenFile } : {}) };
}

export function buildOptions(section: Section | undefined): Options {
  const o = OPTIONS_SPEC;
  const http = buildHttp(section?.get<Section>('http'));
  return {
    ...(http ? { http } : {}),
    shutdownTimeout: pick(section, o, 'shutdown-timeout'),
    logFormat: pick(section, o, 'log-format'),
    timestamps: pick(section, o, 'timestamps'),
    onFailure: pick(section, o, 'on-failure'),
    orphans: pick(section, o, 'orphans'),
  };
}

/** env-files in order, then `environment` over them. */
function buildEnvironment(section: Section | undefined, ctx: CheckContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of section?.get<{ path: string; pos: SourcePos }[]>('env-file') ?? []) {
    let text: string;
    try {
      text = readRegularFileSync(f.path);
    } catch (e) {
      const hint =
        e instanceof RegularFileError
          ? `an env-file must be a regular file of at most ${formatBytes(MAX_NAMED_FILE_BYTES, { prose: true })} (not a device, FIFO or socket)`
          : "check the path; relative paths start at the config file's directory";
      ctx.issues.add(f.pos, `cannot read env-file ${f.path}: ${fsReason(e)}`, hint);
      continue;
    }
    const r = parseEnvFile(text, f.path, ctx.env);
    ctx.issues.list.push(...r.issues);
    Object.assign(out, r.vars);
  }
  return Object.assign(out, section?.get<Record<string, string>>('environment') ?? {});
}

/** Replica groups: the name written in dinit.yaml → its instances (NAME-1 … NAME-N). */
type ReplicaGroups = ReadonlyMap<string, readonly string[]>;

export function replicaGroups(entries: readonly ServiceEntry[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const e of entries) {
    if (!e.replica) continue;
    const list = groups.get(e.replica.of) ?? [];
    list.push(e.name);
    groups.set(e.replica.of, list);
  }
  return groups;
}

/** Names as written, a replica group standing for every instance of it. */
const names = (refs: NameRef[] | undefined, groups: ReplicaGroups = new Map()): string[] => [...new Set((refs ?? []).flatMap((r) => groups.get(r.name) ?? [r.name]))];

function buildProbe(section: Section): ProbeSpec | undefined {
  const given = [...section.entries.keys()].filter((k) => ['tcp', 'http', 'exec', 'log', 'notify'].includes(k));
  if (given.length !== 1) return undefined; // reported by check.ts
  const v = section.get<unknown>(given[0] ?? '');
  switch (given[0]) {
    case 'http':
      return { kind: 'http', url: v as string };
    case 'exec':
      return { kind: 'exec', command: v as string[] };
    case 'log':
      return { kind: 'log', pattern: v as string };
    default:
      return v as ProbeSpec; // tcp and notify convert to a ProbeSpec directly
  }
}

function buildReady(section: Section | undefined): ReadySpec | undefined {
  const probe = section && buildProbe(section);
  if (!probe) return undefined;
  const spec = sub(SERVICE_SPEC, 'ready');
  return { probe, interval: pick(section, spec, 'interval'), timeout: pick(section, spec, 'timeout') };
}

function buildHealth(section: Section | undefined): HealthSpec | undefined {
  const probe = section && buildProbe(section);
  if (!probe) return undefined;
  const spec = sub(SERVICE_SPEC, 'health');
  return {
    probe,
    interval: pick(section, spec, 'interval'),
    timeout: pick(section, spec, 'timeout'),
    retries: pick(section, spec, 'retries'),
    startPeriod: pick(section, spec, 'start-period'),
  };
}

function buildLog(section: Section | undefined): LogSpec {
  const spec = sub(SERVICE_SPEC, 'log');
  const file = section?.get<string>('file');
  return {
    prefix: pick(section, spec, 'prefix'),
    ...(file !== undefined ? { file } : {}),
    maxSize: pick(section, spec, 'max-size'),
    keep: pick(section, spec, 'keep'),
    buffer: pick(section, spec, 'buffer'),
  };
}

function buildLimits(section: Section | undefined): ServiceConfig['limits'] {
  if (!section) return undefined;
  const out: NonNullable<ServiceConfig['limits']> = {};
  for (const name of RLIMIT_NAMES) {
    const l = section.get<Rlimit>(name);
    if (l) out[name] = l;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A service with every default, as `mainService` and `emptyConfig` need. */
export function defaultService(name: string, type: ServiceType = 'process'): ServiceConfig {
  return buildService({ name, pos: { file: '<defaults>', line: 0, col: 0 }, section: undefined }, type);
}

function buildService(
  entry: { name: string; pos: ServiceConfig['pos']; section: Section | undefined; replica?: ServiceEntry['replica'] },
  type?: ServiceType,
  env?: Record<string, string>,
  groups?: ReplicaGroups,
): ServiceConfig {
  const s = entry.section;
  const S = SERVICE_SPEC;
  const limit = s?.get<Section>('restart-limit');
  const stopCommand = s?.get<string[]>('stop-command');
  const onExit = s?.get<string[]>('on-exit');
  const pidFile = s?.get<string>('pid-file');
  const written = type ?? pick<ServiceType | 'forking'>(s, S, 'type');
  const workingDir = s?.get<string>('working-dir');
  const user = s?.get<string>('user');
  const umask = s?.get<number>('umask');
  const limits = buildLimits(s?.get<Section>('limits'));
  const nice = s?.get<number>('nice');
  const maxMemory = s?.get<number>('max-memory');
  const oomScoreAdj = s?.get<number>('oom-score-adj');
  const ready = buildReady(s?.get<Section>('ready'));
  const schedule = s?.get<string>('schedule');
  const restartSchedule = s?.get<string>('restart-schedule');
  const scheduleTimezone = s?.get<string>('schedule-timezone');
  const health = buildHealth(s?.get<Section>('health'));
  return {
    name: entry.name,
    // forking is a process service whose process is found through its pid file.
    type: written === 'forking' ? 'process' : written,
    ...(written === 'forking' && pidFile !== undefined ? { pidFile } : {}),
    command: s?.get<string[]>('command') ?? [],
    ...(stopCommand ? { stopCommand } : {}),
    ...(onExit ? { onExit } : {}),
    dependsOn: names(s?.get('depends-on'), groups),
    dependsMs: names(s?.get('depends-ms'), groups),
    waitsFor: names(s?.get('waits-for'), groups),
    after: names(s?.get('after'), groups),
    before: names(s?.get('before'), groups),
    // A scheduled service runs on its schedule instead of at start.
    autoStart: schedule !== undefined && !s?.entries.has('auto-start') ? false : pick(s, S, 'auto-start'),
    restart: pick(s, S, 'restart'),
    restartDelay: pick(s, S, 'restart-delay'),
    restartLimit: { count: pick(limit, sub(S, 'restart-limit'), 'count'), interval: pick(limit, sub(S, 'restart-limit'), 'interval') },
    smoothRecovery: pick(s, S, 'smooth-recovery'),
    successExitCodes: [...pick<number[]>(s, S, 'success-exit-codes')],
    stopSignal: pick(s, S, 'stop-signal'),
    stopTimeout: pick(s, S, 'stop-timeout'),
    stopGroup: pick(s, S, 'stop-group'),
    startTimeout: pick(s, S, 'start-timeout'),
    environment: entry.replica ? { ...env, DINIT_REPLICA: String(entry.replica.index) } : (env ?? {}),
    ...(workingDir !== undefined ? { workingDir } : {}),
    ...(user !== undefined ? { user: { spec: user } } : {}),
    ...(umask !== undefined ? { umask } : {}),
    ...(limits ? { limits } : {}),
    ...(maxMemory !== undefined ? { maxMemory: { limit: maxMemory, interval: pick<number>(s, S, 'max-memory-interval') } } : {}),
    ...(nice !== undefined ? { nice } : {}),
    ...(oomScoreAdj !== undefined ? { oomScoreAdj } : {}),
    ...(ready ? { ready } : {}),
    ...(health ? { health } : {}),
    log: buildLog(s?.get<Section>('log')),
    main: pick(s, S, 'main'),
    ...(schedule !== undefined ? { schedule } : {}),
    ...(restartSchedule !== undefined ? { restartSchedule } : {}),
    ...(scheduleTimezone !== undefined ? { scheduleTimezone } : {}),
    ...(entry.replica ? { replicaOf: entry.replica.of, replica: entry.replica.index } : {}),
    ...(entry.pos && entry.pos.line > 0 ? { pos: entry.pos } : {}),
  };
}

export function buildConfig(root: Section | undefined, ctx: CheckContext): Config {
  const entries = root?.get<ServiceEntry[]>('services') ?? [];
  const groups = replicaGroups(entries);
  const services = entries.map((e) => buildService(e, undefined, buildEnvironment(e.section, ctx), groups));
  return {
    file: ctx.src.file,
    options: buildOptions(root?.get<Section>('options')),
    environment: buildEnvironment(root, ctx),
    services,
  };
}
