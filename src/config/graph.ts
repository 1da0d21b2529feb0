// Dependency graph checks over every kind of edge. An edge a → b means "a
// starts after b": depends-on, depends-ms, waits-for and after are written on
// a; `before: [a]` written on b is the same edge. Unknown names get a
// did-you-mean; each cycle is reported once, as the path a user can follow
// (`a -> b -> c -> a`), at the position where its first edge is written.
// Once valid, `before` edges are copied into the other service's `after`.

import type { Config, ServiceConfig, SourcePos } from '../types.js';
import { replicaGroups } from './build.js';
import type { ServiceEntry } from './check.js';
import type { NameRef } from './convert.js';
import type { Issues } from './source.js';
import { didYouMean } from '../suggest.js';

const EDGE_KEYS = ['depends-on', 'depends-ms', 'waits-for', 'after', 'before'] as const;

interface Edge {
  from: string;
  to: string;
  /** How it was written, e.g. "web depends-on db" or "db before web". */
  written: string;
  pos: SourcePos;
}

export function checkGraph(entries: ServiceEntry[], issues: Issues): void {
  const groups = replicaGroups(entries);
  // Each replica group is checked once, through its first instance: the others have the same edges.
  entries = entries.filter((e) => !e.replica || e.replica.index === 1);
  const names = new Set([...entries.map((e) => e.name), ...groups.keys()]);
  const edges = new Map<string, Edge[]>(entries.map((e) => [e.name, []]));
  // from → the `to` of its edges so far: one edge per pair, without scanning the list (a service may need 1000 others).
  const linked = new Map<string, Set<string>>();
  for (const e of entries) {
    for (const key of EDGE_KEYS) {
      const self = e.replica?.of ?? e.name;
      for (const ref of e.section.get<NameRef[]>(key) ?? []) {
        if (ref.name === self || (e.replica && groups.get(self)?.includes(ref.name))) {
          issues.add(ref.pos, `services.${self}.${key}: '${ref.name}' cannot refer to itself`, `remove '${ref.name}' from ${key}`);
        } else if (!names.has(ref.name)) {
          const hint = didYouMean(ref.name, names) ?? (names.size ? `services are: ${[...names].join(', ')}` : 'define it under services:');
          issues.add(ref.pos, `services.${self}.${key}: '${ref.name}' is not a service`, hint);
        } else {
          // A group is one node of the graph here (through its first instance): a cycle through it is a cycle of each.
          const target = groups.get(ref.name)?.[0] ?? ref.name;
          const written = `${self} ${key} ${ref.name}`;
          const edge = key === 'before' ? { from: target, to: e.name, written, pos: ref.pos } : { from: e.name, to: target, written, pos: ref.pos };
          const list = edges.get(edge.from) ?? [];
          let to = linked.get(edge.from);
          if (!to) linked.set(edge.from, (to = new Set()));
          if (!to.has(edge.to)) {
            to.add(edge.to);
            list.push(edge);
          }
          edges.set(edge.from, list);
        }
      }
    }
  }
  for (const cycle of findCycles(
    entries.map((e) => e.name),
    edges,
  )) {
    const path = [...cycle.map((c) => c.from), cycle[0]?.from ?? ''].join(' -> ');
    issues.add(cycle[0]?.pos ?? entries[0]?.pos ?? { file: '', line: 1, col: 1 }, `dependency cycle: ${path} (${cycle.map((c) => c.written).join(', ')})`, 'remove one of these dependencies');
  }
}

/**
 * One cycle per back edge of a depth-first search, deduplicated, each rotated
 * to start at its first service in file order. The search keeps its own stack
 * (not the call stack): a chain of thousands of services must not overflow it.
 */
function findCycles(order: string[], edges: Map<string, Edge[]>): Edge[][] {
  const state = new Map<string, 'visiting' | 'done'>();
  const found = new Map<string, Edge[]>();
  const rank = new Map(order.map((n, i) => [n, i]));
  const backEdge = (path: Edge[], edge: Edge): void => {
    const start = path.findIndex((e) => e.from === edge.to);
    const cycle = [...path.slice(start < 0 ? path.length : start), edge];
    const first = cycle.reduce((best, e, i) => ((rank.get(e.from) ?? 0) < (rank.get(cycle[best]?.from ?? '') ?? 0) ? i : best), 0);
    const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
    const key = rotated.map((e) => e.from).join('\0');
    if (!found.has(key)) found.set(key, rotated);
  };
  for (const root of order) {
    if (state.has(root)) continue;
    // frames[i] is a node being visited and the index of its next edge; path[i-1] led to frames[i].
    const frames: { node: string; next: number }[] = [{ node: root, next: 0 }];
    const path: Edge[] = [];
    state.set(root, 'visiting');
    while (frames.length > 0) {
      const top = frames[frames.length - 1]!;
      const edge = (edges.get(top.node) ?? [])[top.next++];
      if (!edge) {
        state.set(top.node, 'done');
        frames.pop();
        path.pop();
        continue;
      }
      const s = state.get(edge.to);
      if (s === 'visiting') backEdge(path, edge);
      else if (s === undefined) {
        state.set(edge.to, 'visiting');
        path.push(edge);
        frames.push({ node: edge.to, next: 0 });
      }
    }
  }
  return [...found.values()];
}

/** `b: { before: [a] }` also lands in a's `after`, so the graph reads one kind of ordering edge. */
export function linkBefore(config: Config): void {
  const byName = new Map(config.services.map((s) => [s.name, s]));
  for (const s of config.services) {
    for (const other of s.before) {
      const t = byName.get(other);
      if (t && !t.after.includes(s.name)) t.after.push(s.name);
    }
  }
}

/**
 * Replica instances folded back to their group's name in every dependency
 * list, kept where that differs from the lists themselves: a reload that only
 * changes `replicas` must not count as a change of the services that need them.
 */
export function foldReplicaEdges(config: Config): void {
  const groupOf = new Map(config.services.filter((s) => s.replicaOf !== undefined).map((s) => [s.name, s.replicaOf as string]));
  if (groupOf.size === 0) return;
  const fold = (list: string[]): string[] => [...new Set(list.map((n) => groupOf.get(n) ?? n))];
  const keys = ['dependsOn', 'dependsMs', 'waitsFor', 'after', 'before'] as const satisfies readonly (keyof ServiceConfig)[];
  for (const s of config.services) {
    if (keys.some((k) => s[k].some((n) => groupOf.has(n)))) s.edgesAsWritten = JSON.stringify(keys.map((k) => fold(s[k])));
  }
}
