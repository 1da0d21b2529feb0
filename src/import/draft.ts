// What every importer produces: a list of service drafts, each a list of
// dinit keys in the order they will be written, plus the settings that have
// no dinit equivalent (written as `# not converted: KEY = VALUE (why)` beside
// the service and counted in the summary). Whether dinit has a key is decided
// here, from the key table in src/config/keys.ts at run time — never from a
// list of our own — so a key added to dinit (replicas, success-exit-codes,
// on-exit, type: forking…) is converted by the importers with no change.

import { SERVICE_NAME, SERVICE_SPEC, type Spec } from '../config/keys.js';
import { formatDuration } from '../units.js';

export interface NotConverted {
  /** The setting as the other tool spells it (`exitcodes`, `availability.max_restarts`). */
  key: string;
  value: string;
  why: string;
}

export interface Draft {
  name: string;
  /** Where it came from, written as a comment above the service (`[program:web] in supervisord.conf:12`). */
  from: string;
  /** dinit keys, dotted for nested ones (`restart-limit.count`), in writing order. */
  keys: Map<string, unknown>;
  /** The other tool's setting each key was converted from, for a not-converted note if `dinit check` rejects it. */
  origins: Map<string, { key: string; value: string }>;
  notConverted: NotConverted[];
}

/** A whole conversion: the services, global settings and what has no home in dinit. */
export interface Conversion {
  format: Format;
  /** The file or directory that was read. */
  source: string;
  environment: Record<string, string>;
  /** Settings of no particular service (a `[supervisord]` key, a top-level process-compose key). */
  notConverted: NotConverted[];
  /** Facts the user should know that are not losses (`[unix_http_server]: dinit has its own control socket`). */
  notes: string[];
  services: Draft[];
}

export const FORMATS = ['supervisord', 'procfile', 'process-compose', 's6'] as const;
export type Format = (typeof FORMATS)[number];

export function newConversion(format: Format, source: string): Conversion {
  return { format, source, environment: {}, notConverted: [], notes: [], services: [] };
}

export function newDraft(name: string, from: string): Draft {
  return { name, from, keys: new Map(), origins: new Map(), notConverted: [] };
}

/** The spec of a dotted service key (`log.file`), if dinit has it. */
function specOf(path: string): Spec | undefined {
  let spec: Spec | undefined = SERVICE_SPEC;
  for (const part of path.split('.')) {
    if (spec?.kind !== 'object') return undefined;
    spec = Object.prototype.hasOwnProperty.call(spec.keys, part) ? spec.keys[part] : undefined;
  }
  return spec;
}

/** Whether dinit knows this service key (and, for an enum, this value of it). */
export function knows(path: string, value?: string): boolean {
  const spec = specOf(path);
  if (!spec) return false;
  if (value !== undefined && spec.kind === 'enum') return spec.values.includes(value);
  return true;
}

/**
 * Set a dinit key converted from `orig` (the other tool's key and value):
 * written when dinit knows the key (and value), otherwise kept as a
 * not-converted note saying dinit lacks it. Returns whether it was set.
 */
export function put(d: Draft, key: string, value: unknown, orig: { key: string; value: string }): boolean {
  const enumValue = typeof value === 'string' ? value : undefined;
  if (knows(key, enumValue)) {
    d.keys.set(key, value);
    d.origins.set(key, orig);
    return true;
  }
  const what = specOf(key) && enumValue !== undefined ? `${key}: ${enumValue}` : key;
  note(d, orig.key, orig.value, `dinit has no ${what}`);
  return false;
}

export function note(d: Draft, key: string, value: string, why: string): void {
  d.notConverted.push({ key, value, why });
}

/** A dinit service name from another tool's name: disallowed characters become `-`. */
export function serviceName(raw: string): string {
  let s = raw.replace(/[^A-Za-z0-9._@-]/g, '-');
  if (!/^[A-Za-z0-9]/.test(s)) s = `s${s}`;
  if (s === 'dinit') s = 'dinit-service';
  return SERVICE_NAME.test(s) ? s : 'service';
}

/** A string dinit must take literally: `${` and `$$` would be expanded by dinit, so `$` is doubled before them. */
export function literal(s: string): string {
  return s.replace(/\$(?=[{$])/g, '$$$$');
}

/** `5` seconds (supervisord, process-compose) as a dinit duration. */
export function seconds(n: number): string {
  return formatDuration(Math.round(n * 1000));
}

/** `wanted`, or `wanted-2`, `wanted-3`… if taken; the name returned is marked taken. */
export function uniqueName(taken: Set<string>, wanted: string): string {
  let name = wanted;
  for (let i = 2; taken.has(name); i++) name = `${wanted}-${i}`;
  taken.add(name);
  return name;
}
