// The transitions of the service set: each change a record can go through —
// start, stop, crash, restart or fail, and the marks a failure spreads — and
// `step`, which takes the one a service's rules allow on each pass of the loop.
// The loop, the state it runs over and the record primitives are set-loop.ts;
// the public face is service-set.ts (queries, commands) and driver-inputs.ts
// (the driver's events); the rules that decide which transition to take are
// graph.ts; the model is service.ts. Nothing here touches the OS or the real
// clock.

import type { StopReason } from '../types.js';
import type { Graph } from './graph.js';
import { inheritedMark, spreadMark, type Mark } from './marks.js';
import { admitRestart, isSuccessExit, wantsRestart } from './restart.js';
import { STEADY, type ServiceRecord } from './service.js';
import { SetLoop, type ShutdownCause, type Step } from './set-loop.js';
import { exitCodeOf } from './status.js';

export class Transitions extends SetLoop {
  /** One service, one transition at most: none, a start, or another change (hold down, stop). */
  protected step(s: ServiceRecord, g: Graph): Step {
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
}

/** dinit's exit code when main ends: 0 for one of its success-exit-codes, else its own (128+signal if killed). */
export function mainExitCodeOf(s: ServiceRecord, code: number | null, signal: NodeJS.Signals | null): number {
  return isSuccessExit(s.cfg, code, signal) ? 0 : exitCodeOf(code, signal);
}
