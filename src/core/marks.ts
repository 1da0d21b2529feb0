// How the marks that hold services down (pinned, failed) spread and lift.
// Pure functions over the records and the graph's indexes; ServiceSet calls
// them and does the effects (timers, event lines) for the records they return.
//
// Spreading: a service held down takes down what cannot run without it — its
// hard dependents, and milestone dependents that have not started yet — each
// marked with the same root ("dependency X stopped/failed").
// Lifting (`dinit start X`): X, what X needs, and what went down *with* X (a
// mark whose root is being released); a mark from elsewhere still holds.

import type { StopReason } from '../types.js';
import type { Indexes } from './graph.js';
import type { ServiceRecord } from './service.js';

export type Mark = 'failed' | 'pinned';

/** Mark what cannot run without `from`; returns the records newly marked. */
export function spreadMark(records: Map<string, ServiceRecord>, idx: Indexes, from: ServiceRecord, mark: Mark): { marked: ServiceRecord[]; reason: StopReason } {
  const reason: StopReason = { kind: 'dependency', service: from.cfg.name, failed: mark === 'failed' };
  const marked: ServiceRecord[] = [];
  const stack = [from];
  while (stack.length) {
    const x = stack.pop() as ServiceRecord;
    for (const e of idx.dependents.get(x.cfg.name) ?? []) {
      const d = records.get(e.name);
      if (!d || d.failed || d.pinned) continue;
      if (e.kind === 'soft' || (e.kind === 'milestone' && d.state === 'started')) continue;
      d[mark] = reason;
      if (d.state === 'stopped') d.lastReason = reason;
      marked.push(d);
      stack.push(d);
    }
  }
  return { marked, reason };
}

/** The mark a service gets when a hard or milestone dependency of it is held down. */
export function inheritedMark(held: ServiceRecord): { mark: Mark; reason: StopReason } {
  const m = held.failed ?? held.pinned;
  const root = m?.kind === 'dependency' ? m.service : held.cfg.name;
  return {
    mark: held.failed ? 'failed' : 'pinned',
    reason: { kind: 'dependency', service: root, failed: held.failed !== null },
  };
}

/** `start`: lift the marks holding s down, on what it needs and on what went down with it. */
export function releaseMarks(records: Map<string, ServiceRecord>, idx: Indexes, s: ServiceRecord): void {
  const clear = (x: ServiceRecord): void => {
    x.failed = null;
    x.pinned = null;
    x.restartWindow = [];
  };
  clear(s);
  const needs = [s];
  const seen = new Set<string>([s.cfg.name]);
  while (needs.length) {
    const x = needs.pop() as ServiceRecord;
    for (const n of [...x.cfg.dependsOn, ...x.cfg.dependsMs, ...x.cfg.waitsFor]) {
      const d = records.get(n);
      if (!d || seen.has(n)) continue;
      seen.add(n);
      clear(d);
      needs.push(d);
    }
  }
  const dependents = [s];
  while (dependents.length) {
    const x = dependents.pop() as ServiceRecord;
    for (const e of idx.dependents.get(x.cfg.name) ?? []) {
      const d = records.get(e.name);
      const mark = d?.failed ?? d?.pinned;
      if (!d || mark?.kind !== 'dependency' || !seen.has(mark.service) || seen.has(e.name)) continue;
      seen.add(e.name);
      clear(d);
      dependents.push(d);
    }
  }
}
