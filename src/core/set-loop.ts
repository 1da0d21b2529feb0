// The loop of the service set: the state every ServiceSet holds, the loop
// every input runs through, and the few primitives that change a record's
// phase, timers and state (each in one place, with the timer it owns). The
// transitions the loop takes are transitions.ts; the public face (queries,
// commands) is service-set.ts and the driver's events driver-inputs.ts; the
// rules that decide which transition to take are graph.ts; the model is
// service.ts.
//
// Every input — a driver event, a timer, a command — runs through `run()`: it
// updates marks/state, then `reconcile()` makes passes over the services in
// dependency order, taking every transition the rules allow (`step`), until a
// pass changes nothing. Inputs that arrive while a pass is running (a driver
// calling back synchronously, a listener issuing a command) are queued, so the
// rules always see a consistent set. Nothing here touches the OS or the real
// clock.
//
// The Graph memoises answers, so it must not outlive a change: reconcile holds
// the only long-lived one and replaces it after every step that changed
// something; everything else asks a fresh one (`graph()`).

import type { Config, Options } from '../types.js';
import type { Clock } from './clock.js';
import type { ServiceDriver } from './driver.js';
import { Graph, buildIndexes, type Indexes } from './graph.js';
import type { ServiceEvent, ServiceListener } from './listener.js';
import { STEADY, newRecord, type ServiceRecord } from './service.js';

export interface ServiceSetDeps {
  clock: Clock;
  driver: ServiceDriver;
  listener?: ServiceListener;
  /** A bug in the graph must not take PID 1 down: it is reported here instead. */
  onInternalError?: (err: unknown) => void;
  /** ServiceConfig fields a reload applies without a restart (config/keys.ts); none when absent. */
  inPlace?: ReadonlySet<string>;
}

/** Why the set is shutting down; decides dinit's exit code (SPEC §6). */
export type ShutdownCause = { kind: 'requested'; by: string } | { kind: 'main'; exitCode: number } | { kind: 'failure'; service: string };

/** What one step took: no transition, a start, or another change (hold down, stop). */
export type Step = 'none' | 'start' | 'other';

export abstract class SetLoop {
  protected readonly records = new Map<string, ServiceRecord>();
  protected idx: Indexes = { dependents: new Map(), orderedAfter: new Map(), order: [] };
  protected options: Options;
  protected shuttingDown = false;
  protected cause: ShutdownCause | null = null;
  protected mainExitCode: number | null = null;
  private allStoppedSent = false;
  private readonly queue: (() => void)[] = [];
  private busy = false;
  /** A reload marked services removed that are not swept yet (sweepRemoved has work). */
  protected removalPending = false;

  constructor(
    config: Config,
    protected readonly deps: ServiceSetDeps,
  ) {
    this.options = config.options;
    for (const c of config.services) this.records.set(c.name, newRecord(c, this.now()));
    this.idx = buildIndexes(this.records);
  }

  /** Every service is stopped (and no restart is pending). */
  allStopped(): boolean {
    for (const s of this.records.values()) if (s.state !== 'stopped' || s.phase.kind === 'restart-delay') return false;
    return true;
  }

  /** One service, one transition at most (transitions.ts). */
  protected abstract step(s: ServiceRecord, g: Graph): Step;

  // ---- the loop ------------------------------------------------------------

  protected run(input: () => void): void {
    this.queue.push(input);
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const next = this.queue.shift() as () => void;
        try {
          next();
          this.reconcile();
        } catch (err) {
          if (this.deps.onInternalError) this.deps.onInternalError(err);
          else throw err;
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /**
   * Passes until one changes nothing, or until one whose only changes were
   * starts: a pass runs in dependency order, and a start can only matter to
   * services after the one started (its dependents, what waits for it or comes
   * after it), which the same pass looked at afterwards. It cannot enable a
   * transition of a service before it: it does not change any mark (so what is
   * wanted), the started service is not going down (canStart just checked its
   * dependencies), so no dependency's canStopNow changes, and nothing before
   * it depends on it, waits for it or comes after it. Saves a whole pass per
   * link of a depends-on chain.
   */
  private reconcile(): void {
    const limit = 4 * this.records.size + 8;
    for (let pass = 0; pass < limit; pass++) {
      let g = this.graph();
      let changed = false;
      let onlyStarts = true;
      for (const name of this.idx.order) {
        const s = this.records.get(name);
        if (!s) continue;
        const step = this.step(s, g);
        if (step === 'none') continue;
        g = this.graph(); // the one place a Graph is dropped: after a change
        changed = true;
        if (step !== 'start') onlyStarts = false;
      }
      if (this.sweepRemoved()) changed = onlyStarts = false;
      if (!changed || onlyStarts) break;
    }
    if (this.shuttingDown && !this.allStoppedSent && this.allStopped()) {
      this.allStoppedSent = true;
      this.emit({ type: 'all-stopped' });
    }
  }

  /** A Graph over the records as they are now (answers are memoised: do not keep it across a change). */
  protected graph(): Graph {
    return new Graph(this.records, this.idx, this.shuttingDown);
  }

  protected sweepRemoved(): boolean {
    if (!this.removalPending) return false;
    let swept = false;
    let left = false;
    for (const [n, s] of this.records) {
      if (s.next === 'remove' && s.state === 'stopped') {
        this.cancelRestart(s);
        this.records.delete(n);
        this.deps.driver.forget?.(n);
        swept = true;
      } else if (s.next === 'remove') left = true;
    }
    this.removalPending = left;
    if (swept) this.idx = buildIndexes(this.records);
    return swept;
  }

  // ---- primitives ----------------------------------------------------------

  /**
   * A pending restart-delay is dropped (the service stays stopped). A smooth
   * recovery waiting to relaunch is left to `beginStop`, which ends it: the
   * service is `started` and only a stop takes it out of that phase.
   */
  protected cancelRestart(s: ServiceRecord): void {
    if (s.phase.kind === 'restart-delay') this.setPhase(s, STEADY);
  }

  /** The one place a phase changes: a timer the old phase owned is cleared. */
  protected setPhase(s: ServiceRecord, phase: ServiceRecord['phase']): void {
    const old = s.phase;
    if ((old.kind === 'restart-delay' || old.kind === 'smooth-delay') && old !== phase) this.deps.clock.clearTimer(old.timer);
    s.phase = phase;
  }

  protected clearTimer(s: ServiceRecord, key: 'startTimer' | 'stopTimer'): void {
    const t = s[key];
    if (t) this.deps.clock.clearTimer(t);
    s[key] = null;
  }

  protected setState(s: ServiceRecord, state: ServiceRecord['state']): void {
    if (state === 'started' || state === 'stopping') s.joining = false;
    s.state = state;
    s.since = this.now();
  }

  protected emit(ev: ServiceEvent): void {
    this.deps.listener?.(ev);
  }

  protected now(): number {
    return this.deps.clock.now();
  }
}
