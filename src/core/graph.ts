// The rules of the graph as pure questions about the records: who is wanted,
// who must go down, who may start, who may stop now. ServiceSet asks them in
// each reconcile pass and acts on the answers; nothing here changes a record.
//
// Answers are memoised for one pass (a Graph is thrown away after any change),
// which keeps a pass linear in the number of edges even with 1000 services.

import type { StopReason } from '../types.js';
import type { ServiceRecord } from './service.js';

/**
 * How a dependent requires a dependency. `after` edges are ordering only and
 * live in `orderedAfter`; config normalisation has already turned every
 * `before: [x]` into x's `after`, so only `after` is read here.
 */
type EdgeKind = 'hard' | 'milestone' | 'soft';

interface Edge {
  name: string;
  kind: EdgeKind;
}

export interface Indexes {
  /** For each service, those that require it (reverse of depends-on / depends-ms / waits-for). */
  dependents: Map<string, Edge[]>;
  /** For each service, those configured to start after it. */
  orderedAfter: Map<string, string[]>;
  /** Dependencies before dependents (after-edges included), for deterministic passes. */
  order: string[];
}

export function buildIndexes(records: Map<string, ServiceRecord>): Indexes {
  const dependents = new Map<string, Edge[]>();
  const orderedAfter = new Map<string, string[]>();
  for (const name of records.keys()) {
    dependents.set(name, []);
    orderedAfter.set(name, []);
  }
  for (const [name, r] of records) {
    const add = (deps: string[], kind: EdgeKind): void => {
      for (const d of deps) dependents.get(d)?.push({ name, kind });
    };
    add(r.cfg.dependsOn, 'hard');
    add(r.cfg.dependsMs, 'milestone');
    add(r.cfg.waitsFor, 'soft');
    for (const a of r.cfg.after) orderedAfter.get(a)?.push(name);
  }
  // Depth-first topological order; config validation rejects cycles, the
  // `visiting` guard only keeps a bad graph from looping.
  const order: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (done.has(name) || visiting.has(name)) return;
    visiting.add(name);
    const r = records.get(name);
    if (r) {
      for (const d of [...r.cfg.dependsOn, ...r.cfg.dependsMs, ...r.cfg.waitsFor, ...r.cfg.after]) if (records.has(d)) visit(d);
    }
    visiting.delete(name);
    done.add(name);
    order.push(name);
  };
  for (const name of records.keys()) visit(name);
  return { dependents, orderedAfter, order };
}

export class Graph {
  private readonly wantedMemo = new Map<string, boolean>();
  private readonly downMemo = new Map<string, boolean>();
  private readonly shouldMemo = new Map<string, boolean>();

  constructor(
    private readonly records: Map<string, ServiceRecord>,
    private readonly idx: Indexes,
    private readonly shuttingDown: boolean,
  ) {}

  private rec(name: string): ServiceRecord | undefined {
    return this.records.get(name);
  }

  /** Should be up now: not held down, and activated or required by a wanted dependent. */
  wanted(s: ServiceRecord): boolean {
    const name = s.cfg.name;
    const memo = this.wantedMemo.get(name);
    if (memo !== undefined) return memo;
    this.wantedMemo.set(name, false); // cycle guard
    let w = false;
    if (!this.shuttingDown && s.next !== 'remove' && !s.pinned && !s.failed) {
      w =
        s.activated ||
        (this.idx.dependents.get(name) ?? []).some((e) => {
          const d = this.rec(e.name);
          return d !== undefined && this.wanted(d);
        });
    }
    this.wantedMemo.set(name, w);
    return w;
  }

  /** Like wanted, but a failed service still counts: what `health` holds the set to. */
  shouldBeUp(s: ServiceRecord): boolean {
    const name = s.cfg.name;
    const memo = this.shouldMemo.get(name);
    if (memo !== undefined) return memo;
    this.shouldMemo.set(name, false);
    let w = false;
    if (!this.shuttingDown && s.next !== 'remove' && !s.pinned) {
      w =
        s.activated ||
        (this.idx.dependents.get(name) ?? []).some((e) => {
          const d = this.rec(e.name);
          return d !== undefined && this.shouldBeUp(d);
        });
    }
    this.shouldMemo.set(name, w);
    return w;
  }

  /** A hard dependency that is not (or will not stay) started. */
  private downDependency(s: ServiceRecord): ServiceRecord | undefined {
    for (const h of s.cfg.dependsOn) {
      const d = this.rec(h);
      // A dependency a reload just added (a new replica instance) is coming up, not going down: unless it fails.
      if (d?.joining && !d.failed && !d.pinned && (d.state === 'stopped' || d.state === 'starting')) continue;
      if (d && (d.state !== 'started' || this.goingDown(d))) return d;
    }
    return undefined;
  }

  /** An up (starting/started) service that must be brought down. */
  goingDown(s: ServiceRecord): boolean {
    if (s.state !== 'starting' && s.state !== 'started') return false;
    const name = s.cfg.name;
    const memo = this.downMemo.get(name);
    if (memo !== undefined) return memo;
    this.downMemo.set(name, false);
    const down = !this.wanted(s) || s.next !== null || this.downDependency(s) !== undefined;
    this.downMemo.set(name, down);
    return down;
  }

  /** Why an up service is going down (for the event line and status). */
  downCause(s: ServiceRecord): StopReason {
    if (this.shuttingDown || s.next !== null) return { kind: 'requested' };
    if (s.failed) return s.failed;
    if (s.pinned) return s.pinned;
    const dep = this.downDependency(s);
    if (!dep) return { kind: 'requested' };
    // A rollback names the service that really went down, not the next link of the chain.
    if (dep.state === 'started') {
      const root = this.downCause(dep);
      if (root.kind === 'dependency') return root;
    }
    return { kind: 'dependency', service: dep.cfg.name, failed: dep.failed !== null };
  }

  /** Will start (or restart) without anyone asking again. */
  private onItsWayUp(s: ServiceRecord): boolean {
    if (s.state === 'starting') return true;
    if (s.state === 'stopped' || s.state === 'stopping') return this.wanted(s);
    return false;
  }

  /** A hard or milestone dependency held down (pinned or failed): s cannot start until it is released. */
  heldDependency(s: ServiceRecord): ServiceRecord | undefined {
    for (const deps of [s.cfg.dependsOn, s.cfg.dependsMs]) {
      for (const h of deps) {
        const d = this.rec(h);
        if (d && (d.pinned || d.failed)) return d;
      }
    }
    return undefined;
  }

  canStart(s: ServiceRecord): boolean {
    const required = [s.cfg.dependsOn, s.cfg.dependsMs];
    // Every dependency started (cheap) before any is asked whether it is going down (recursive).
    for (const deps of required) {
      for (const h of deps) {
        const d = this.rec(h);
        if (!d || d.state !== 'started') return false;
      }
    }
    for (const deps of required) {
      for (const h of deps) if (this.goingDown(this.rec(h) as ServiceRecord)) return false;
    }
    for (const w of s.cfg.waitsFor) {
      const d = this.rec(w);
      if (d && this.onItsWayUp(d)) return false;
    }
    for (const a of s.cfg.after) {
      const d = this.rec(a);
      if (d && this.onItsWayUp(d)) return false;
    }
    // A restart waits until the last rollback is complete (a service joining up dependents has had none).
    if (s.joining) return true;
    for (const e of this.idx.dependents.get(s.cfg.name) ?? []) {
      if (e.kind !== 'hard') continue;
      const d = this.rec(e.name);
      if (d && d.state !== 'stopped') return false;
    }
    return true;
  }

  /** Dependents first: stop only when no dependent that is also going down is still up. */
  canStopNow(s: ServiceRecord): boolean {
    const name = s.cfg.name;
    for (const e of this.idx.dependents.get(name) ?? []) if (this.holdsUp(e.name)) return false;
    for (const n of this.idx.orderedAfter.get(name) ?? []) if (this.holdsUp(n)) return false;
    return true;
  }

  /** A service that must be down before what it comes after may stop: stopping, or up and going down. */
  private holdsUp(name: string): boolean {
    const d = this.rec(name);
    if (!d) return false;
    if (d.state === 'stopping') return true;
    return (d.state === 'starting' || d.state === 'started') && this.goingDown(d);
  }
}
