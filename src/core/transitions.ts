// The transitions of the service set: the state every ServiceSet holds, the
// loop every input runs through, and each change a record can go through. The
// public face (queries, commands, driver events) is service-set.ts; the rules
// that decide which transition to take are graph.ts; the model is service.ts.
//
// Every input — a driver event, a timer, a command — runs through `run()`: it
// updates marks/state, then `reconcile()` makes passes over the services in
// dependency order, taking every transition the rules allow, until a pass
// changes nothing. Inputs that arrive while a pass is running (a driver calling
// back synchronously, a listener issuing a command) are queued, so the rules
// always see a consistent set. Nothing here touches the OS or the real clock.
//
// The Graph memoises answers, so it must not outlive a change: reconcile holds
// the only long-lived one and replaces it after every step that changed
// something; everything else asks a fresh one (`graph()`).

import type { Config, Options, StopReason } from '../types.js';
import type { Clock } from './clock.js';
import type { ServiceDriver } from './driver.js';
import { Graph, buildIndexes, type Indexes } from './graph.js';
import type { ServiceEvent, ServiceListener } from './listener.js';
import { inheritedMark, spreadMark, type Mark } from './marks.js';
import { admitRestart, isSuccessExit, wantsRestart } from './restart.js';
import { STEADY, newRecord, type ServiceRecord } from './service.js';
import { exitCodeOf } from './status.js';

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

type Step = 'none' | 'start' | 'other';

export class Transitions {
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

  /** One service, one transition at most: none, a start, or another change (hold down, stop). */
  private step(s: ServiceRecord, g: Graph): Step {
    switch (s.state) {
      case 'stopped': {
        if (s.phase.kind === 'restart-delay' || !g.wanted(s)) return 'none';
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
        return 'other';
      case 'stopping':
        return 'none';
      default: {
        const never: never = s.state;
        throw new Error(`unknown state ${String(never)}`);
      }
    }
  }

  /** A Graph over the records as they are now (answers are memoised: do not keep it across a change). */
  protected graph(): Graph {
    return new Graph(this.records, this.idx, this.shuttingDown);
  }

  // ---- transitions ---------------------------------------------------------

  protected beginShutdown(cause: ShutdownCause): void {
    for (const s of this.records.values()) this.cancelRestart(s);
    if (this.shuttingDown) return;
    this.cause = cause;
    this.shuttingDown = true;
    this.emit({ type: 'shutdown', cause });
  }

  /** The process ended on its own (or after a failed health check): recover, complete or fail. */
  protected crashed(s: ServiceRecord, code: number | null, signal: NodeJS.Signals | null): void {
    const name = s.cfg.name;
    this.clearTimer(s, 'startTimer');
    const recycled = s.phase.kind === 'recycling' ? s.phase.reason : null;
    this.setPhase(s, STEADY);
    const reason: StopReason = recycled ?? { kind: 'exited', code, signal };
    this.emit({ type: 'exited', name, code, signal, expected: recycled !== null });
    if (s.cfg.main) {
      this.toStopped(s, reason);
      s.pinned = { kind: 'completed' };
      this.mainExited(mainExitCodeOf(s, code, signal));
      return;
    }
    if (this.shuttingDown) {
      // Killed on the way out (a second SIGINT, shutdown-timeout) or ended by itself: nothing restarts now.
      this.toStopped(s, reason);
      return;
    }
    // A success exit (success-exit-codes) completed: no restart under on-failure, not counted by restart-limit.
    const clean = !recycled && isSuccessExit(s.cfg, code, signal);
    const restart = s.cfg.type === 'process' && (recycled ? s.cfg.restart !== 'never' : wantsRestart(s.cfg.restart, clean));
    if (!restart) {
      this.toStopped(s, reason);
      if (clean) {
        s.lastReason = s.pinned = { kind: 'completed' };
        this.emit({ type: 'stopped', name });
        this.propagateMark(s, 'pinned');
      } else {
        this.fail(s, reason);
      }
      return;
    }
    this.retryOrFail(s, reason, clean);
  }

  /**
   * A spawn that failed for now (EAGAIN, EMFILE, ENOMEM): a failed attempt
   * under the restart policy, like a crash; not a failure for good.
   */
  protected spawnFailedForNow(s: ServiceRecord, reason: StopReason): void {
    this.clearTimer(s, 'startTimer');
    this.setPhase(s, STEADY);
    this.retryOrFail(s, reason);
  }

  /**
   * A failed attempt under the restart policy: restart after restart-delay, or
   * fail past restart-limit. `clean`: a success exit under restart: always,
   * restarted without counting against restart-limit.
   */
  private retryOrFail(s: ServiceRecord, reason: StopReason, clean = false): void {
    const name = s.cfg.name;
    const window = clean ? s.restartWindow : admitRestart(s.restartWindow, s.cfg.restartLimit, this.now());
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
    this.emit({ type: 'restarting', name, delay, attempt: clean ? 0 : window.length, limit: s.cfg.restartLimit, smooth });
    if (smooth) {
      const timer = this.deps.clock.setTimer(delay, () =>
        this.run(() => {
          if (s.phase.kind !== 'smooth-delay' || s.phase.timer !== timer || this.records.get(name) !== s) return;
          s.phase = { kind: 'smooth-launch' };
          this.armStartTimer(s);
          this.deps.driver.start(s.cfg);
        }),
      );
      this.setPhase(s, { kind: 'smooth-delay', timer });
      return;
    }
    this.toStopped(s, reason);
    const timer = this.deps.clock.setTimer(delay, () =>
      this.run(() => {
        if (s.phase.kind === 'restart-delay' && s.phase.timer === timer) s.phase = STEADY;
      }),
    );
    this.setPhase(s, { kind: 'restart-delay', timer });
  }

  /** main ended (exited, or could not be executed): everything stops, dinit exits with its code. */
  protected mainExited(exitCode: number): void {
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
    this.armStartTimer(s);
    this.deps.driver.start(s.cfg);
  }

  /**
   * Held to start-timeout: a first start, and a smooth-recovery relaunch alike
   * (dinit's test_proc_smooth_recovery6) — a process that never becomes ready
   * is stopped and the service fails with the reason.
   */
  protected armStartTimer(s: ServiceRecord): void {
    if (s.cfg.startTimeout <= 0) return;
    const timeout = s.cfg.startTimeout;
    s.startTimer = this.deps.clock.setTimer(timeout, () =>
      this.run(() => {
        s.startTimer = null;
        if (!this.launching(s)) return;
        const reason: StopReason = { kind: 'start-timeout', after: timeout };
        s.failOnExit = reason;
        this.beginStop(s, reason);
      }),
    );
  }

  /** A process launched and not ready yet: a start, or a smooth-recovery relaunch. */
  protected launching(s: ServiceRecord): boolean {
    return s.state === 'starting' || (s.state === 'started' && s.phase.kind === 'smooth-launch');
  }

  protected beginStop(s: ServiceRecord, cause: StopReason): void {
    const name = s.cfg.name;
    this.clearTimer(s, 'startTimer');
    s.stopCause = cause;
    const noProcess = s.cfg.type === 'internal' || (s.cfg.type === 'scripted' && s.state === 'started' && !s.cfg.stopCommand) || s.phase.kind === 'smooth-delay';
    if (noProcess) {
      this.emit({ type: 'stopping', name, cause });
      this.toStopped(s, cause);
      this.emit({ type: 'stopped', name });
      return;
    }
    const alreadySignalled = s.phase.kind === 'recycling';
    this.setPhase(s, STEADY);
    this.setState(s, 'stopping');
    this.emit({ type: 'stopping', name, cause });
    if (!alreadySignalled) this.deps.driver.stop(s.cfg);
    if (!s.stopTimer) this.armStopTimer(s);
  }

  protected armStopTimer(s: ServiceRecord): void {
    const after = s.cfg.stopTimeout;
    s.stopTimer = this.deps.clock.setTimer(after, () =>
      this.run(() => {
        s.stopTimer = null;
        if (s.state === 'stopping' || s.phase.kind === 'recycling') {
          this.emit({ type: 'killing', name: s.cfg.name, after });
          this.deps.driver.kill(s.cfg.name);
        }
      }),
    );
  }

  protected toStopped(s: ServiceRecord, reason: StopReason): void {
    this.clearTimer(s, 'startTimer');
    this.clearTimer(s, 'stopTimer');
    this.setPhase(s, STEADY);
    s.pid = null;
    s.lastReason = reason;
    s.stopCause = null;
    s.failOnExit = null;
    if (s.next === 'restart') s.next = null;
    if (s.cfg.health) s.health = 'unknown';
    this.setState(s, 'stopped');
  }

  /** Failed for good: held down, and so are the hard dependents that cannot run without it. */
  protected fail(s: ServiceRecord, reason: StopReason): void {
    s.joining = false;
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
  protected propagateMark(from: ServiceRecord, mark: Mark): void {
    const { marked, reason } = spreadMark(this.records, this.idx, from, mark);
    const g = this.graph();
    for (const d of marked) {
      this.cancelRestart(d);
      if (mark === 'failed' && d.state === 'stopped' && g.shouldBeUp(d)) {
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

  protected emit(ev: ServiceEvent): void {
    this.deps.listener?.(ev);
  }

  protected now(): number {
    return this.deps.clock.now();
  }
}

/** dinit's exit code when main ends: 0 for one of its success-exit-codes, else its own (128+signal if killed). */
export function mainExitCodeOf(s: ServiceRecord, code: number | null, signal: NodeJS.Signals | null): number {
  return isSuccessExit(s.cfg, code, signal) ? 0 : exitCodeOf(code, signal);
}
