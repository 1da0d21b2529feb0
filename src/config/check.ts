// The shape check: walk the key table (keys.ts) over the YAML tree. Each value
// is expanded (${VAR}), converted to its normalised form and stored with the
// positions of its key and value; anything wrong becomes an issue and the
// value is left out, so later steps see defaults instead of cascading errors.
// Unknown keys get a did-you-mean over the keys valid at that level; duplicate
// keys (parsed with uniqueKeys: false) are reported each with its position;
// `<<` merge keys apply under explicitly written keys.

import type { SourcePos } from '../types.js';
import { convertScalar, show } from './convert.js';
import type { Plain } from './convert.js';
import { expandVars } from './expand.js';
import { EXPECT, OPTIONS_SPEC, RESERVED_NAMES, ROOT_SPEC, SERVICE_NAME, SERVICE_SPEC } from './keys.js';
import type { ObjectSpec, ServicesSpec, Spec } from './keys.js';
import { Issues, type Source } from './source.js';
import type { ConfigIssue } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { isAlias, isMap, isScalar, isSeq, MERGE, type YNode as Node } from './yaml-tree.js';

export interface Entry {
  keyPos: SourcePos;
  valuePos: SourcePos;
  value: unknown;
}

/** A checked map: only the keys that were present and valid. */
export class Section {
  constructor(
    readonly pos: SourcePos,
    readonly entries = new Map<string, Entry>(),
  ) {}
  get<T>(key: string): T | undefined {
    return this.entries.get(key)?.value as T | undefined;
  }
  keyPos(key: string): SourcePos {
    return this.entries.get(key)?.keyPos ?? this.pos;
  }
  valuePos(key: string): SourcePos {
    return this.entries.get(key)?.valuePos ?? this.pos;
  }
}

export interface ServiceEntry {
  name: string;
  pos: SourcePos;
  section: Section;
  /** An instance of `replicas: N`: the name as written and its number (1…N). */
  replica?: { of: string; index: number };
}

export interface CheckContext {
  src: Source;
  issues: Issues;
  env: NodeJS.ProcessEnv;
  baseDir: string;
  /** Instead of the file's `replicas:` of these services (`dinit scale`). */
  replicas?: Readonly<Record<string, number>>;
}

interface KeyedPair {
  key: string;
  keyNode: Node | null;
  value: Node | null;
}

function deref(node: Node | null, ctx: CheckContext): Node | null {
  if (!isAlias(node)) return node;
  if (node.target) return node.target;
  ctx.issues.add(ctx.src.pos(node), `*${node.source} cannot be resolved`, 'an alias must refer to an anchor (&name) defined before it');
  return null;
}

/**
 * The pairs of a map as written, then those merged in with `<<` for keys not
 * written. `merging` holds the maps whose merges are being expanded: an anchor
 * merged into itself (`x: &m { <<: *m }`) is reported, not followed forever.
 */
function pairsOf(map: Node, ctx: CheckContext, path: string, merging: Set<Node> = new Set()): KeyedPair[] {
  if (!isMap(map)) return [];
  merging.add(map);
  const own: KeyedPair[] = [];
  const merged: KeyedPair[] = [];
  for (const pair of map.items) {
    const keyNode = deref(pair.key, ctx);
    const value = deref(pair.value, ctx);
    if (isScalar(keyNode) && keyNode.value === MERGE) {
      const sources = isSeq(value) ? value.items.map((n) => deref(n, ctx)) : [value];
      for (const s of sources) {
        if (isMap(s) && merging.has(s)) ctx.issues.add(ctx.src.pos(keyNode), `${path}: << merges a map into itself`, 'merge another anchor');
        else if (isMap(s)) merged.push(...pairsOf(s, ctx, path, merging));
        else ctx.issues.add(ctx.src.pos(s ?? keyNode), `${path}: << must merge a map (an *alias of one)`);
      }
      continue;
    }
    if (!isScalar(keyNode) || keyNode.value === null) {
      ctx.issues.add(ctx.src.pos(keyNode ?? map), `${path}: keys must be plain names`);
      continue;
    }
    own.push({ key: String(keyNode.value), keyNode, value });
  }
  merging.delete(map);
  const written = new Set(own.map((p) => p.key));
  const seen = new Set<string>();
  const fromMerges = merged.filter((p) => !written.has(p.key) && !seen.has(p.key) && seen.add(p.key));
  return [...own, ...fromMerges];
}

/**
 * Read a value for a scalar-like kind: expanded strings, lists of scalars, maps
 * of scalars. `splitLater`: a lone string is left unexpanded, because its
 * converter expands it after splitting it into words (a command line).
 */
function plainOf(node: Node | null, ctx: CheckContext, path: string, splitLater = false): Plain | undefined {
  const pos = ctx.src.pos(node);
  const scalar = (n: Node | null, at: SourcePos, whole = false): { v: unknown; expanded: boolean } | undefined => {
    if (!isScalar(n)) return { v: n === null ? null : isSeq(n) ? [] : {}, expanded: false };
    if (typeof n.value !== 'string') return { v: n.value, expanded: false };
    if (whole && splitLater) return { v: n.value, expanded: false };
    const r = expandVars(n.value, ctx.env);
    if (!r.ok) {
      ctx.issues.add(at, `${path}: ${r.error}`, r.hint);
      return undefined;
    }
    return { v: r.value, expanded: r.value !== n.value };
  };
  if (isSeq(node)) {
    const values: unknown[] = [];
    const items: SourcePos[] = [];
    let expanded = false;
    for (const item of node.items) {
      const n = deref(item, ctx);
      const at = ctx.src.pos(n ?? node);
      if (n !== null && !isScalar(n)) {
        ctx.issues.add(at, `${path}: list items must be strings, got ${isSeq(n) ? 'a list' : 'a map'}`);
        return undefined;
      }
      const s = scalar(n, at);
      if (!s) return undefined;
      values.push(s.v);
      items.push(at);
      expanded ||= s.expanded;
    }
    return { value: values, items, pos, expanded };
  }
  if (isMap(node)) {
    const obj: Record<string, unknown> = {};
    for (const p of pairsOf(node, ctx, path)) {
      if (p.value !== null && !isScalar(p.value)) {
        ctx.issues.add(ctx.src.pos(p.value), `${path}.${p.key}: expected a string, got ${isSeq(p.value) ? 'a list' : 'a map'}`, 'quote the value');
        continue;
      }
      const s = scalar(p.value, ctx.src.pos(p.value ?? p.keyNode));
      if (s) obj[p.key] = s.v;
    }
    return { value: obj, pos, expanded: false };
  }
  const s = scalar(node, pos, true);
  return s && { value: s.v, pos, expanded: s.expanded, ...(node ? { raw: ctx.src.raw(node) } : {}) };
}

function checkValue(node: Node | null, spec: Spec, ctx: CheckContext, path: string): unknown {
  if (spec.kind === 'object' && (node === null || (isScalar(node) && node.value === null))) return undefined;
  if (spec.kind === 'object' && spec.shorthand && isScalar(node)) return checkShorthand(node, spec, spec.shorthand, ctx, path);
  if (spec.kind === 'object') return checkObject(node, spec, ctx, path);
  if (spec.kind === 'services') return checkServices(node, spec, ctx, path);
  const plain = plainOf(node, ctx, path, spec.kind === 'command');
  if (!plain) return undefined;
  if (plain.value === null) return undefined; // `key:` with no value = not given
  const r = convertScalar(spec, plain, ctx.baseDir, ctx.env);
  if (r.ok) return r.value;
  ctx.issues.add(r.pos ?? plain.pos, `${path}: ${r.message}`, r.hint);
  return undefined;
}

/** `key: scalar` for an object with a shorthand: the map with that one key. */
function checkShorthand(node: Node, spec: ObjectSpec, key: string, ctx: CheckContext, path: string): Section | undefined {
  const sub = spec.keys[key];
  if (!sub) throw new Error(`shorthand ${key} is not a key of ${path}`);
  const v = checkValue(node, sub, ctx, `${path}.${key}`);
  if (v === undefined) return undefined;
  const pos = ctx.src.pos(node);
  return new Section(pos, new Map([[key, { keyPos: pos, valuePos: pos, value: v }]]));
}

function typeError(node: Node | null, spec: Spec, ctx: CheckContext, path: string): undefined {
  const got = isSeq(node) ? 'a list' : isScalar(node) ? show(node.value) : 'something else';
  ctx.issues.add(ctx.src.pos(node), `${path || 'the config'}: expected ${EXPECT[spec.kind]}, got ${got}`);
  return undefined;
}

export function checkObject(node: Node | null, spec: ObjectSpec, ctx: CheckContext, path: string): Section | undefined {
  if (!isMap(node)) return typeError(node, spec, ctx, path);
  const section = new Section(ctx.src.pos(node));
  const firstAt = new Map<string, SourcePos>();
  const label = (key: string): string => (path ? `${path}.${key}` : key);
  for (const { key, keyNode, value } of pairsOf(node, ctx, path || 'top level')) {
    const keyPos = ctx.src.pos(keyNode);
    const first = firstAt.get(key);
    if (first) {
      ctx.issues.add(keyPos, `${label(key)} is given twice (first at line ${first.line})`, 'remove one of them');
      continue;
    }
    firstAt.set(key, keyPos);
    if (spec.extensions && key.startsWith('x-')) continue;
    const sub = spec.keys[key];
    if (!sub) {
      unknownKey(key, keyPos, spec, ctx, path, value);
      continue;
    }
    const v = checkValue(value, sub, ctx, label(key));
    if (v !== undefined) section.entries.set(key, { keyPos, valuePos: ctx.src.pos(value ?? keyNode), value: v });
  }
  for (const req of spec.required ?? []) {
    if (!firstAt.has(req)) ctx.issues.add(section.pos, `${path ? path + ': ' : ''}missing required key '${req}'`, `add ${req}:`);
  }
  if (spec.exactlyOne) {
    const given = spec.exactlyOne.filter((k) => firstAt.has(k));
    if (given.length !== 1) {
      const what = given.length === 0 ? 'needs' : `has ${given.join(' and ')}; it needs`;
      ctx.issues.add(given.length > 1 ? (firstAt.get(given[1] ?? '') ?? section.pos) : section.pos, `${path} ${what} exactly one of ${spec.exactlyOne.join(', ')}`);
    }
  }
  return section;
}

function unknownKey(key: string, pos: SourcePos, spec: ObjectSpec, ctx: CheckContext, path: string, value: Node | null): void {
  const where = path ? `in ${path}` : 'at the top level';
  // A key valid one level away is more likely misplaced than misspelt.
  let hint: string | undefined;
  if (spec === SERVICE_SPEC && OPTIONS_SPEC.keys[key]) hint = `${key} is a global option: put it under options:`;
  if (spec === ROOT_SPEC && SERVICE_SPEC.keys[key]) hint = `${key} is a service key: put it under services.NAME:`;
  hint ??= didYouMean(key, Object.keys(spec.keys));
  if (!hint && spec === ROOT_SPEC && isMap(value) && pairsOf(value, ctx, key).some((p) => p.key === 'command')) {
    hint = `services go under services: — move '${key}' there`;
  }
  ctx.issues.add(pos, `unknown key '${key}' ${where}`, hint ?? `valid keys: ${Object.keys(spec.keys).join(', ')}`);
}

function checkServices(node: Node | null, spec: ServicesSpec, ctx: CheckContext, path: string): ServiceEntry[] | undefined {
  if (node === null || (isScalar(node) && node.value === null)) return [];
  if (!isMap(node)) return typeError(node, spec, ctx, path);
  const out: ServiceEntry[] = [];
  const firstAt = new Map<string, SourcePos>();
  for (const { key, keyNode, value } of pairsOf(node, ctx, path)) {
    const pos = ctx.src.pos(keyNode);
    const first = firstAt.get(key);
    if (first) {
      ctx.issues.add(pos, `service '${key}' is defined twice (first at line ${first.line})`, 'rename or remove one of them');
      continue;
    }
    firstAt.set(key, pos);
    if (!SERVICE_NAME.test(key)) {
      ctx.issues.add(pos, `'${key}' is not a valid service name`, 'use letters, digits, and . _ @ - (not first)');
    } else if (RESERVED_NAMES.has(key)) {
      ctx.issues.add(pos, `'${key}' is reserved for dinit's own messages`, 'choose another service name');
    }
    if (value === null || (isScalar(value) && value.value === null)) {
      out.push({ name: key, pos, section: new Section(pos) });
      continue;
    }
    const scratch = new Issues();
    const plain = checkObject(value, spec.service, { ...ctx, issues: scratch }, `services.${key}`);
    const given = plain?.get<number>('replicas');
    const replicas = given === undefined ? undefined : (ctx.replicas?.[key] ?? given);
    if (!plain || replicas === undefined) {
      ctx.issues.list.push(...scratch.list);
      if (plain) out.push({ name: key, pos, section: plain });
      continue;
    }
    // replicas: N: each instance is checked with its own DINIT_REPLICA; an issue they share is reported once.
    const seen = new Set(ctx.issues.list.map(issueKey));
    for (let i = 1; i <= replicas; i++) {
      const scratch = new Issues();
      const section = checkObject(value, spec.service, { ...ctx, env: { ...ctx.env, DINIT_REPLICA: String(i) }, issues: scratch }, `services.${key}`);
      for (const issue of scratch.list) {
        if (!seen.has(issueKey(issue))) {
          seen.add(issueKey(issue));
          ctx.issues.list.push(issue);
        }
      }
      if (section) out.push({ name: `${key}-${i}`, pos, section, replica: { of: key, index: i } });
    }
  }
  const written = new Set(out.filter((e) => !e.replica).map((e) => e.name));
  for (const e of out) {
    if (e.replica && written.has(e.name)) {
      ctx.issues.add(e.pos, `replica '${e.name}' of '${e.replica.of}' has the name of another service`, `rename that service, or '${e.replica.of}'`);
    }
  }
  return out;
}

const issueKey = (i: ConfigIssue): string => `${i.pos.file}:${i.pos.line}:${i.pos.col} ${i.message}`;
