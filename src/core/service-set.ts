// The service set: the whole graph of services and the one place their state
// changes. Its public face is here — queries and commands — with the driver's
// events in driver-inputs.ts; each input runs through the loop of set-loop.ts
// and the transitions of transitions.ts. See service.ts for the model and
// graph.ts for the rules.

import { DinitError, EXIT } from '../errors.js';
import type { Config, ServiceConfig, ServiceStatus } from '../types.js';
import { DriverInputs } from './driver-inputs.js';
import { buildIndexes } from './graph.js';
import { releaseMarks } from './marks.js';
import { newRecord, type ServiceRecord } from './service.js';
import { liveness, readiness, reloadAction, statusOf, type Probe } from './status.js';
import type { ServiceSetDeps, ShutdownCause } from './set-loop.js';

export type { ServiceSetDeps, ShutdownCause } from './set-loop.js';

export interface ReloadDiff {
  added: string[];
  removed: string[];
  /** Changed in how it is started: restarted (with its hard dependents) if running. */
  changed: string[];
  /** Changed only in keys that apply in place: the running process stays. */
  updated: string[];
}

export interface HealthReport {
  ok: boolean;
  problems: string[];
}

export class ServiceSet extends DriverInputs {
  constructor(config: Config, deps: ServiceSetDeps) {
    super(config, deps);
  }

  // ---- queries -------------------------------------------------------------

  names(): string[] {
    return [...this.records.keys()];
  }

  has(name: string): boolean {
    return this.records.has(name);
  }

  get(name: string): Readonly<ServiceRecord> | undefined {
    return this.records.get(name);
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  shutdownCause(): ShutdownCause | null {
    return this.cause;
  }

  /** main's code if there is a main; else 1 after a failure shutdown; else 0. */
  exitCode(): number {
    if (this.mainExitCode !== null) return this.mainExitCode;
    return this.cause?.kind === 'failure' ? EXIT.FAILED : EXIT.OK;
  }

  status(names: string[] = []): ServiceStatus[] {
    this.requireKnown(names);
    const g = this.graph();
    const pick = names.length ? names : this.idx.order.filter((n) => this.records.has(n));
    return pick.map((n) => {
      const s = this.records.get(n) as ServiceRecord;
      return statusOf(s, g.wanted(s));
    });
  }

  /** `dinit health`, /livez, /readyz: every service's liveness or readiness problem (see status.ts). */
  health(probe: Probe = 'ready'): HealthReport {
    const g = this.graph();
    const check = probe === 'live' ? liveness : readiness;
    const problems: string[] = [];
    for (const n of this.idx.order) {
      const s = this.records.get(n);
      const p = s ? check(s, g.shouldBeUp(s)) : null;
      if (p) problems.push(p);
    }
    return { ok: problems.length === 0, problems };
  }

  // ---- commands ------------------------------------------------------------

  /** Begin: start every auto-start service and what it needs. */
  boot(): void {
    this.run(() => undefined);
  }

  /** Start services (and what they need); clears failures and stops that held them down. */
  start(names: string[]): void {
    this.requireKnown(names);
    if (this.shuttingDown) throw new DinitError('OPERATION_FAILED', 'dinit is shutting down');
    this.run(() => {
      for (const n of names) {
        const s = this.records.get(n);
        if (s) this.activate(s);
      }
    });
  }

  /** Wanted from now on: activated, and the marks that held it (and what it needs) down lifted. */
  private activate(s: ServiceRecord): void {
    s.activated = true;
    releaseMarks(this.records, this.idx, s);
  }

  /** Stop services and, first, their hard dependents; they stay down until started. */
  stop(names: string[]): void {
    this.requireKnown(names);
    this.run(() => {
      for (const n of names) {
        const s = this.records.get(n);
        if (!s) continue;
        s.activated = false;
        s.failed = null;
        s.pinned = { kind: 'requested' };
        this.cancelRestart(s);
        this.propagateMark(s, 'pinned');
      }
    });
  }

  /**
   * Take services down and bring them back (dinit's restart): an up service is
   * marked to restart — it goes down with its hard dependents, then comes back
   * with them, keeping what it was asked to do. Nothing else is remembered, so a
   * `stop` of it (or of the dependent that needed it) issued meanwhile holds it
   * down and the restart is cancelled. A service that is not up is started.
   */
  restart(names: string[]): void {
    this.requireKnown(names);
    if (this.shuttingDown) throw new DinitError('OPERATION_FAILED', 'dinit is shutting down');
    this.run(() => {
      for (const n of names) {
        const s = this.records.get(n);
        if (!s) continue;
        if (s.state === 'starting' || s.state === 'started') {
          if (s.next === null) s.next = 'restart';
        } else this.activate(s);
      }
    });
  }

  /** Orderly stop of everything: dependents before dependencies, independent ones in parallel. */
  shutdown(by = 'request'): void {
    this.run(() => this.beginShutdown({ kind: 'requested', by }));
  }

  /** Kill every process now (second signal, shutdown-timeout). */
  killAll(): void {
    this.run(() => {
      this.beginShutdown({ kind: 'requested', by: 'kill' });
      for (const s of this.records.values()) {
        this.cancelRestart(s);
        if (s.state === 'starting' || s.state === 'stopping' || (s.state === 'started' && s.pid !== null)) {
          this.emit({ type: 'killing', name: s.cfg.name, after: 0 });
          this.deps.driver.kill(s.cfg.name);
        }
      }
    });
  }

  signal(name: string, sig: NodeJS.Signals): boolean {
    this.requireKnown([name]);
    return this.deps.driver.signal(name, sig);
  }

  /**
   * Apply a new configuration: add new services, stop removed ones, and take
   * down and bring back (with their hard dependents) those whose definition
   * changed. Unchanged services are not touched.
   */
  applyConfig(config: Config): ReloadDiff {
    const diff: ReloadDiff = { added: [], removed: [], changed: [], updated: [] };
    /** Same definition, but its edges to replica instances may differ: it takes the new lists, untouched. */
    const unchangedEdges: string[] = [];
    const next = new Map(config.services.map((c) => [c.name, c]));
    const inPlace = this.deps.inPlace ?? new Set<string>();
    for (const [n, s] of this.records) if (!next.has(n) && s.next !== 'remove') diff.removed.push(n);
    for (const [n, c] of next) {
      const s = this.records.get(n);
      if (!s || s.next === 'remove') diff.added.push(n);
      else {
        const action = reloadAction(s.cfg, c, inPlace);
        if (action === 'restart') diff.changed.push(n);
        else if (action === 'in-place') diff.updated.push(n);
        else if (s.cfg.edgesAsWritten !== undefined) unchangedEdges.push(n);
      }
    }
    this.run(() => {
      this.options = config.options;
      for (const n of diff.removed) {
        const s = this.records.get(n);
        if (!s) continue;
        s.next = 'remove';
        this.removalPending = true;
        this.cancelRestart(s);
      }
      for (const n of diff.added) {
        const old = this.records.get(n);
        if (old) this.deps.driver.forget?.(n);
        const rec = newRecord(next.get(n) as ServiceConfig, this.now());
        rec.joining = true;
        this.records.set(n, rec);
      }
      for (const n of diff.updated) {
        const s = this.records.get(n) as ServiceRecord;
        const c = next.get(n) as ServiceConfig;
        if (c.autoStart !== s.cfg.autoStart) s.activated = c.autoStart;
        if (JSON.stringify(c.health) !== JSON.stringify(s.cfg.health) && s.state !== 'stopped') s.health = c.health ? 'unknown' : null;
        s.cfg = c;
        if (s.state !== 'stopped') this.deps.driver.update?.(c);
      }
      for (const n of diff.changed) {
        const s = this.records.get(n) as ServiceRecord;
        const c = next.get(n) as ServiceConfig;
        if (c.autoStart !== s.cfg.autoStart) s.activated = c.autoStart;
        s.cfg = c;
        s.failed = null;
        s.restartWindow = [];
        s.health = c.health ? 'unknown' : null;
        if (s.state !== 'stopped') s.next = 'restart';
      }
      for (const n of unchangedEdges) (this.records.get(n) as ServiceRecord).cfg = next.get(n) as ServiceConfig;
      this.sweepRemoved();
      this.idx = buildIndexes(this.records);
    });
    return diff;
  }

  private requireKnown(names: string[]): void {
    const unknown = names.filter((n) => !this.records.has(n) || this.records.get(n)?.next === 'remove');
    if (unknown.length) {
      throw new DinitError('UNKNOWN_SERVICE', `unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
        services: unknown,
      });
    }
  }
}
