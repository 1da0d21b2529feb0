// The service set: the whole graph of services and the one place their state
// changes. See service.ts for the model and graph.ts for the rules.
//
// Every input — a driver event, a timer, a command — runs through `run()`: it
// updates marks/state, then `reconcile()` makes passes over the services in
// dependency order, taking every transition the rules allow, until a pass
// changes nothing. Inputs that arrive while a pass is running (a driver calling
// back synchronously, a listener issuing a command) are queued, so the rules
// always see a consistent set. Nothing here touches the OS or the real clock.

import { DinitError } from '../errors.js';
import type { Config, Options, ServiceConfig, ServiceStatus, StopReason } from '../types.js';
import type { Clock } from './clock.js';
import type { DriverEvents, ServiceDriver } from './driver.js';
import { Graph, buildIndexes, type Indexes } from './graph.js';
import type { ServiceEvent, ServiceListener } from './listener.js';
import { admitRestart, wantsRestart } from './restart.js';
import { inheritedMark, releaseMarks, spreadMark, type Mark } from './marks.js';
import { newRecord, type ServiceRecord } from './service.js';
import { exitCodeOf, liveness, readiness, reloadAction, statusOf, type Probe } from './status.js';

export interface ServiceSetDeps {
  clock: Clock;
  driver: ServiceDriver;
  listener?: ServiceListener;
  /** A bug in the graph must not take PID 1 down: it is reported here instead. */
  onInternalError?: (err: unknown) => void;
  /** ServiceConfig fields a reload applies without a restart (config/keys.ts); none when absent. */
  inPlace?: ReadonlySet<string>;
}

export interface ReloadDiff {
  added: string[];
  removed: string[];
  /** Changed in how it is started: restarted (with its hard dependents) if running. */
  changed: string[];
  /** Changed only in keys that apply in place: the running process stays. */
  updated: string[];
}

/** Why the set is shutting down; decides dinit's exit code (SPEC §6). */
export type ShutdownCause =
  | { kind: 'requested'; by: string }
  | { kind: 'main'; exitCode: number }
  | { kind: 'failure'; service: string };

export interface HealthReport {
  ok: boolean;
  problems: string[];
}

export class ServiceSet implements DriverEvents {
  private readonly records = new Map<string, ServiceRecord>();
  private idx: Indexes = { dependents: new Map(), orderedAfter: new Map(), order: [] };
  private options: Options;
  private shuttingDown = false;
  private cause: ShutdownCause | null = null;
  private mainExitCode: number | null = null;
  private allStoppedSent = false;
  private readonly queue: (() => void)[] = [];
  private busy = false;
  private graphCache: Graph | null = null;
  /** A reload marked services removed that are not swept yet (sweepRemoved has work). */
  private removalPending = false;

  constructor(
    config: Config,
    private readonly deps: ServiceSetDeps,
  ) {
    this.options = config.options;
    for (const c of config.services) this.records.set(c.name, newRecord(c, this.now()));
    this.idx = buildIndexes(this.records);
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
    return this.cause?.kind === 'failure' ? 1 : 0;
  }

  /** Every service is stopped (and no restart is pending). */
  allStopped(): boolean {
    for (const s of this.records.values()) if (s.state !== 'stopped' || s.restartTimer) return false;
    return true;
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

  /** `dinit health`: every service's liveness or readiness problem (see status.ts). */
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
        if (!s) continue;
        s.activated = true;
        releaseMarks(this.records, this.idx, s);
      }
    });
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

  /** Orderly stop of everything: dependents before dependencies, independent ones in parallel. */
  shutdown(by = 'request'): void {
    this.run(() => this.beginShutdown({ kind: 'requested', by }));
  }

  private beginShutdown(cause: ShutdownCause): void {
    for (const s of this.records.values()) this.cancelRestart(s);
    if (this.shuttingDown) return;
    this.cause = cause;
    this.shuttingDown = true;
    this.emit({ type: 'shutdown', cause });
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
    const next = new Map(config.services.map((c) => [c.name, c]));
    const inPlace = this.deps.inPlace ?? new Set<string>();
    for (const [n, s] of this.records) if (!next.has(n) && !s.removed) diff.removed.push(n);
    for (const [n, c] of next) {
      const s = this.records.get(n);
      if (!s || s.removed) diff.added.push(n);
      else {
        const action = reloadAction(s.cfg, c, inPlace);
        if (action === 'restart') diff.changed.push(n);
        else if (action === 'in-place') diff.updated.push(n);
      }
    }
    this.run(() => {
      this.options = config.options;
      for (const n of diff.removed) {
        const s = this.records.get(n);
        if (!s) continue;
        s.removed = true;
        this.removalPending = true;
        this.cancelRestart(s);
      }
      for (const n of diff.added) {
        const old = this.records.get(n);
        if (old) this.deps.driver.forget?.(n);
        this.records.set(n, newRecord(next.get(n) as ServiceConfig, this.now()));
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
        if (s.state !== 'stopped') s.needsRestart = true;
      }
      this.sweepRemoved();
      this.idx = buildIndexes(this.records);
    });
    return diff;
  }

  // ---- driver events -------------------------------------------------------

  spawned(name: string, pid: number): void {
    this.run(() => this.onSpawned(name, pid));
  }

  ready(name: string): void {
    this.run(() => this.onReady(name));
  }

  /**
   * Several services spawned with nothing to wait for (so each is ready at
   * once): `spawned` then `ready` for each, in order, and ONE reconcile after
   * them all instead of two per service. Same outcome as the separate calls:
   * taking a service from starting to started only ever lets stopped services
   * start (its dependents, what waits for it or comes after it); it cannot make
   * anything go down, nor change what a later `ready` of the batch sees. Only
   * the order of the event lines differs: every `started` of the batch comes
   * before the starts it allows.
   */
  spawnedReady(batch: readonly { name: string; pid: number }[]): void {
    this.run(() => {
      for (const { name, pid } of batch) {
        this.onSpawned(name, pid);
        this.onReady(name);
      }
    });
  }

  private onSpawned(name: string, pid: number): void {
    const s = this.records.get(name);
    if (!s) return;
    s.pid = pid;
    if (s.state === 'starting' && (s.cfg.ready || s.cfg.type === 'scripted')) {
      const waitingFor = s.cfg.type === 'scripted' ? 'exit 0' : s.cfg.ready ? s.cfg.ready.probe.kind : null;
      this.emit({ type: 'spawned', name, pid, waitingFor });
    }
  }

  private onReady(name: string): void {
    const s = this.records.get(name);
    if (!s || s.cfg.type === 'scripted') return;
    if (s.state === 'starting') {
      this.clearTimer(s, 'startTimer');
      this.setState(s, 'started');
      this.emit({ type: 'started', name, pid: s.pid });
    } else if (s.state === 'started' && s.smoothPending && !s.restartTimer) {
      s.smoothPending = false;
      this.emit({ type: 'started', name, pid: s.pid });
    }
  }

  exited(name: string, code: number | null, signal: NodeJS.Signals | null): void {
    this.run(() => {
      const s = this.records.get(name);
      if (!s) return;
      s.pid = null;
      this.clearTimer(s, 'stopTimer');
      s.exitCode = code;
      s.exitSignal = signal;
      switch (s.state) {
        case 'stopping': {
          const failure = s.failOnExit;
          this.emit({ type: 'exited', name, code, signal, expected: true });
          if (s.cfg.main) this.mainExitCode = exitCodeOf(code, signal);
          this.toStopped(s, s.stopCause ?? { kind: 'requested' });
          if (failure) this.fail(s, failure);
          else this.emit({ type: 'stopped', name });
          return;
        }
        case 'starting':
          this.clearTimer(s, 'startTimer');
          if (s.cfg.type === 'scripted' && code === 0 && signal === null) {
            this.setState(s, 'started');
            this.emit({ type: 'started', name, pid: null });
            return;
          }
          this.crashed(s, code, signal);
          return;
        case 'started':
          this.crashed(s, code, signal);
          return;
        case 'stopped':
          return;
        default: {
          const never: never = s.state;
          throw new Error(`unknown state ${String(never)}`);
        }
      }
    });
  }

  startFailed(name: string, message: string, errno?: string): void {
    this.run(() => {
      const s = this.records.get(name);
      if (!s || (s.state !== 'starting' && !(s.state === 'started' && s.smoothPending))) return;
      s.pid = null;
      const reason: StopReason = { kind: 'exec-failed', message };
      this.toStopped(s, reason);
      this.fail(s, reason);
      if (s.cfg.main) this.mainExited(errno === 'ENOENT' ? 127 : 126);
    });
  }

  notReady(name: string, message: string): void {
    this.run(() => {
      const s = this.records.get(name);
      if (s?.state !== 'starting') return;
      const reason: StopReason = { kind: 'probe', message };
      s.failOnExit = reason;
      this.beginStop(s, reason);
    });
  }

  unhealthy(name: string, message: string): void {
    this.run(() => {
      const s = this.records.get(name);
      if (!s || s.state !== 'started' || s.recycling || s.pid === null) return;
      s.health = 'unhealthy';
      s.recycling = { kind: 'health', message };
      this.emit({ type: 'unhealthy', name, message });
      this.deps.driver.stop(s.cfg);
      this.armStopTimer(s);
    });
  }

  healthy(name: string): void {
    this.run(() => {
      const s = this.records.get(name);
      if (!s) return;
      s.health = 'healthy';
      s.statusText = null; // "health check failed (2 of 3)" no longer holds
    });
  }

  /** Free text from the service or its probes; '' clears it. */
  statusText(name: string, text: string): void {
    const s = this.records.get(name);
    if (s) s.statusText = text || null;
  }

  // ---- transitions ---------------------------------------------------------

  private crashed(s: ServiceRecord, code: number | null, signal: NodeJS.Signals | null): void {
    const name = s.cfg.name;
    const recycled = s.recycling;
    s.recycling = null;
    const reason: StopReason = recycled ?? { kind: 'exited', code, signal };
    this.emit({ type: 'exited', name, code, signal, expected: recycled !== null });
    if (s.cfg.main) {
      this.toStopped(s, reason);
      s.pinned = { kind: 'completed' };
      this.mainExited(exitCodeOf(code, signal));
      return;
    }
    if (this.shuttingDown) {
      // Killed on the way out (a second SIGINT, shutdown-timeout) or ended by itself: nothing restarts now.
      this.toStopped(s, reason);
      return;
    }
    const restart =
      s.cfg.type === 'process' && (recycled ? s.cfg.restart !== 'never' : wantsRestart(s.cfg.restart, code, signal));
    if (!restart) {
      this.toStopped(s, reason);
      if (code === 0 && signal === null && !recycled) {
        s.lastReason = s.pinned = { kind: 'completed' };
        this.emit({ type: 'stopped', name });
        this.propagateMark(s, 'pinned');
      } else {
        this.fail(s, reason);
      }
      return;
    }
    const window = admitRestart(s.restartWindow, s.cfg.restartLimit, this.now());
    if (!window) {
      this.toStopped(s, reason);
      const { count, interval } = s.cfg.restartLimit;
      this.fail(s, { kind: 'restart-limit', count, interval, last: reason });
      return;
    }
    s.restartWindow = window;
    s.restarts++;
    const smooth = s.cfg.smoothRecovery && s.state === 'started';
    const delay = s.cfg.restartDelay;
    this.emit({ type: 'restarting', name, delay, attempt: window.length, limit: s.cfg.restartLimit, smooth });
    if (smooth) {
      s.smoothPending = true;
      s.restartTimer = this.deps.clock.setTimer(delay, () =>
        this.run(() => {
          s.restartTimer = null;
          if (s.state === 'started' && s.smoothPending && this.records.get(name) === s) this.deps.driver.start(s.cfg);
        }),
      );
      return;
    }
    this.toStopped(s, reason);
    s.restartTimer = this.deps.clock.setTimer(delay, () => this.run(() => (s.restartTimer = null)));
  }

  /** main ended (exited, or could not be executed): everything stops, dinit exits with its code. */
  private mainExited(exitCode: number): void {
    this.mainExitCode = exitCode;
    this.beginShutdown({ kind: 'main', exitCode });
  }

  private beginStart(s: ServiceRecord): void {
    s.stopCause = null;
    s.failOnExit = null;
    if (s.cfg.type === 'internal') {
      this.setState(s, 'started');
      this.emit({ type: 'started', name: s.cfg.name, pid: null });
      return;
    }
    this.setState(s, 'starting');
    if (s.cfg.startTimeout > 0) {
      const timeout = s.cfg.startTimeout;
      s.startTimer = this.deps.clock.setTimer(timeout, () =>
        this.run(() => {
          s.startTimer = null;
          if (s.state !== 'starting') return;
          const reason: StopReason = { kind: 'start-timeout', after: timeout };
          s.failOnExit = reason;
          this.beginStop(s, reason);
        }),
      );
    }
    this.deps.driver.start(s.cfg);
  }

  private beginStop(s: ServiceRecord, cause: StopReason): void {
    const name = s.cfg.name;
    this.clearTimer(s, 'startTimer');
    s.stopCause = cause;
    const noProcess =
      s.cfg.type === 'internal' ||
      (s.cfg.type === 'scripted' && s.state === 'started' && !s.cfg.stopCommand) ||
      (s.smoothPending && s.restartTimer !== null);
    if (noProcess) {
      this.cancelRestart(s);
      this.emit({ type: 'stopping', name, cause });
      this.toStopped(s, cause);
      this.emit({ type: 'stopped', name });
      return;
    }
    const alreadySignalled = s.recycling !== null;
    s.recycling = null;
    this.setState(s, 'stopping');
    this.emit({ type: 'stopping', name, cause });
    if (!alreadySignalled) this.deps.driver.stop(s.cfg);
    if (!s.stopTimer) this.armStopTimer(s);
  }

  private armStopTimer(s: ServiceRecord): void {
    const after = s.cfg.stopTimeout;
    s.stopTimer = this.deps.clock.setTimer(after, () =>
      this.run(() => {
        s.stopTimer = null;
        if (s.state === 'stopping' || s.recycling) {
          this.emit({ type: 'killing', name: s.cfg.name, after });
          this.deps.driver.kill(s.cfg.name);
        }
      }),
    );
  }

  private toStopped(s: ServiceRecord, reason: StopReason): void {
    this.clearTimer(s, 'startTimer');
    this.clearTimer(s, 'stopTimer');
    s.pid = null;
    s.lastReason = reason;
    s.stopCause = null;
    s.failOnExit = null;
    s.recycling = null;
    s.smoothPending = false;
    s.needsRestart = false;
    if (s.cfg.health) s.health = 'unknown';
    this.setState(s, 'stopped');
  }

  /** Failed for good: held down, and so are the hard dependents that cannot run without it. */
  private fail(s: ServiceRecord, reason: StopReason): void {
    this.cancelRestart(s);
    s.failed = reason;
    s.lastReason = reason;
    this.emit({ type: 'failed', name: s.cfg.name, reason });
    this.propagateMark(s, 'failed');
    if (this.options.onFailure === 'shutdown' && !this.shuttingDown && !s.cfg.main) {
      this.beginShutdown({ kind: 'failure', service: s.cfg.name });
    }
  }

  /** Hold down what cannot run without `from` (see marks.ts), with its effects. */
  private propagateMark(from: ServiceRecord, mark: Mark): void {
    const { marked, reason } = spreadMark(this.records, this.idx, from, mark);
    for (const d of marked) {
      this.cancelRestart(d);
      if (mark === 'failed' && d.state === 'stopped' && this.graph().shouldBeUp(d)) {
        this.emit({ type: 'failed', name: d.cfg.name, reason });
      }
    }
  }

  /**
   * s wants to start but a hard or milestone dependency is held down (a
   * milestone dependent that was up when the mark spread and has since gone
   * down, a service added by a reload): it cannot start, so it is held down
   * with the same root cause, and `start` of that cause releases it again.
   */
  private holdDown(s: ServiceRecord, held: ServiceRecord): void {
    const { mark, reason } = inheritedMark(held);
    s.lastReason = reason;
    this.cancelRestart(s);
    s[mark] = reason;
    if (mark === 'failed') this.emit({ type: 'failed', name: s.cfg.name, reason });
  }

  private cancelRestart(s: ServiceRecord): void {
    this.clearTimer(s, 'restartTimer');
  }

  private clearTimer(s: ServiceRecord, key: 'restartTimer' | 'startTimer' | 'stopTimer'): void {
    const t = s[key];
    if (t) this.deps.clock.clearTimer(t);
    s[key] = null;
  }

  private setState(s: ServiceRecord, state: ServiceRecord['state']): void {
    s.state = state;
    s.since = this.now();
    this.graphCache = null;
  }

  // ---- the loop ------------------------------------------------------------

  private run(input: () => void): void {
    this.queue.push(input);
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const next = this.queue.shift() as () => void;
        try {
          this.graphCache = null;
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
      this.graphCache = null;
      let changed = false;
      let onlyStarts = true;
      for (const name of this.idx.order) {
        const s = this.records.get(name);
        if (!s) continue;
        const step = this.step(s);
        if (step === 'none') continue;
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

  /** One service, one transition at most: none, a start, or another change (hold down, stop). */
  private step(s: ServiceRecord): 'none' | 'start' | 'other' {
    const g = this.graph();
    switch (s.state) {
      case 'stopped': {
        if (s.restartTimer || !g.wanted(s)) return 'none';
        const held = g.heldDependency(s);
        if (held) {
          this.holdDown(s, held);
          return 'other';
        }
        if (!g.canStart(s)) return 'none';
        this.beginStart(s);
        return 'start';
      }
      case 'starting':
      case 'started':
        if (!g.goingDown(s) || !g.canStopNow(s)) return 'none';
        this.beginStop(s, g.downCause(s));
        this.graphCache = null;
        return 'other';
      case 'stopping':
        return 'none';
      default: {
        const never: never = s.state;
        throw new Error(`unknown state ${String(never)}`);
      }
    }
  }

  private sweepRemoved(): boolean {
    if (!this.removalPending) return false;
    let swept = false;
    let left = false;
    for (const [n, s] of this.records) {
      if (s.removed && s.state === 'stopped') {
        this.cancelRestart(s);
        this.records.delete(n);
        this.deps.driver.forget?.(n);
        swept = true;
      } else if (s.removed) left = true;
    }
    this.removalPending = left;
    if (swept) {
      this.idx = buildIndexes(this.records);
      this.graphCache = null;
    }
    return swept;
  }

  private graph(): Graph {
    if (!this.graphCache) this.graphCache = new Graph(this.records, this.idx, this.shuttingDown);
    return this.graphCache;
  }

  private emit(ev: ServiceEvent): void {
    this.graphCache = null;
    this.deps.listener?.(ev);
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private requireKnown(names: string[]): void {
    const unknown = names.filter((n) => !this.records.has(n) || this.records.get(n)?.removed);
    if (unknown.length) {
      throw new DinitError('UNKNOWN_SERVICE', `unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
        services: unknown,
      });
    }
  }

}
