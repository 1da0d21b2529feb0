// The driver's events as inputs to the service set: what the ServiceDriver
// reports (spawned, ready, exited, start failures, probe and memory verdicts),
// each run through the loop (set-loop.ts) as one input and turned into the
// transitions of transitions.ts. The ServiceSet (service-set.ts) adds the
// queries and commands on top; see driver.ts for the contract of each event.

import type { StopReason } from '../types.js';
import type { DriverEvents } from './driver.js';
import { isSuccessExit } from './restart.js';
import { STEADY, recovering } from './service.js';
import { Transitions, mainExitCodeOf } from './transitions.js';

export class DriverInputs extends Transitions implements DriverEvents {
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
    if (s.state === 'starting' && (s.cfg.ready || s.cfg.type === 'scripted' || s.cfg.pidFile !== undefined)) {
      const waitingFor = s.cfg.type === 'scripted' ? 'exit 0' : s.cfg.ready ? s.cfg.ready.probe.kind : s.cfg.pidFile !== undefined ? 'pid-file' : null;
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
    } else if (s.state === 'started' && s.phase.kind === 'smooth-launch') {
      this.clearTimer(s, 'startTimer');
      this.setPhase(s, STEADY);
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
          if (s.cfg.main) this.mainExitCode = mainExitCodeOf(s, code, signal);
          this.toStopped(s, s.stopCause ?? { kind: 'requested' });
          if (failure) this.fail(s, failure);
          else this.emit({ type: 'stopped', name });
          return;
        }
        case 'starting':
          this.clearTimer(s, 'startTimer');
          if (s.cfg.type === 'scripted' && isSuccessExit(s.cfg, code, signal)) {
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

  startFailed(name: string, message: string, errno?: string, transient = false): void {
    this.run(() => {
      const s = this.records.get(name);
      if (!s || (s.state !== 'starting' && !(s.state === 'started' && recovering(s)))) return;
      s.pid = null;
      const reason: StopReason = { kind: 'exec-failed', message };
      // Out of resources for a moment (another service at the process limit, fds
      // held by clients): an attempt that failed, retried like a crash. Only a
      // permanent cause (not found, not executable, unknown user) fails at once.
      if (transient && !s.cfg.main && s.cfg.type === 'process' && s.cfg.restart !== 'never') {
        this.spawnFailedForNow(s, reason);
        return;
      }
      this.toStopped(s, reason);
      this.fail(s, reason);
      if (s.cfg.main) this.mainExited(errno === 'ENOENT' ? 127 : 126);
    });
  }

  notReady(name: string, message: string): void {
    this.run(() => {
      const s = this.records.get(name);
      if (!s || !this.launching(s)) return;
      const reason: StopReason = { kind: 'probe', message };
      s.failOnExit = reason;
      this.beginStop(s, reason);
    });
  }

  unhealthy(name: string, message: string): void {
    this.run(() => {
      const s = this.records.get(name);
      if (!s || s.state !== 'started' || s.phase.kind === 'recycling' || s.pid === null) return;
      s.health = 'unhealthy';
      this.setPhase(s, { kind: 'recycling', reason: { kind: 'health', message } });
      this.emit({ type: 'unhealthy', name, message });
      this.deps.driver.stop(s.cfg);
      this.armStopTimer(s);
    });
  }

  /**
   * max-memory: the service's processes use more than their limit. Restarted
   * as after a crash (hard dependents roll back unless smooth-recovery); the
   * reason shows in the stopping line and in status.
   */
  overMemory(name: string, rssBytes: number, limit: number): void {
    this.run(() => {
      const s = this.records.get(name);
      if (!s || s.state !== 'started' || s.phase.kind === 'recycling' || s.pid === null) return;
      const reason: StopReason = { kind: 'memory', rssBytes, limit };
      s.lastReason = reason;
      this.setPhase(s, { kind: 'recycling', reason });
      this.emit({ type: 'stopping', name, cause: reason });
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
}
