// The one owner of child exits (tini's single reap loop, split three ways
// because Node reaps its own children). Every SIGCHLD dinit receives is
// handled here, and every exit is decided per pid:
//
//   a child Node spawned       → libuv reaps it and Node reports it; it is ours
//                                 (never the reaper's) until that report;
//   a child we posix_spawn'd   → reaped here: waitpid(pid, WNOHANG) for each
//                                 one, never waitpid(-1) (that would steal Node's);
//   anything else              → an orphan: the reaper's (reaper.ts), which hears
//                                 of the SIGCHLD after our own were collected.
//
// Each owned pid carries its role (a service or a probe), so an exit is
// always one of three things. One instance per process, made at the
// composition root (runtime/run.ts, via host.ts) and handed to the spawn
// paths and the reaper: there is no module-global registry.

import type { ChildRole } from './ports.js';
import { waitNoHang } from './libc.js';

type OnExit = (code: number | null, signal: NodeJS.Signals | null) => void;

interface Owned {
  role: ChildRole;
  /** Set when we reap it ourselves (posix_spawn); null when Node does. */
  onExit: OnExit | null;
}

export class Children {
  private readonly owned = new Map<number, Owned>();
  /** How many entries of `owned` we reap ourselves. */
  private selfReaped = 0;
  private readonly afterSigchld = new Set<() => void>();
  private listening = false;
  /** Keeps the event loop alive while a self-reaped child runs, as Node's own child handle does. */
  private keepAlive: NodeJS.Timeout | null = null;
  private readonly onSignal = (): void => this.sigchld();

  /** A child Node spawned (libuv reaps it): ours until `release(pid)` on Node's exit report. */
  addNodeChild(pid: number, role: ChildRole): void {
    this.owned.set(pid, { role, onExit: null });
  }

  /**
   * Call before spawning a child we will reap ourselves: a SIGCHLD that comes
   * before the listener is installed is lost (Node delivers only later ones).
   * Once installed, the listener stays.
   */
  listen(): void {
    if (this.listening) return;
    this.listening = true;
    process.on('SIGCHLD', this.onSignal);
  }

  /** A child spawned without Node (posix_spawn, after listen()): reaped here, `onExit` told once. */
  addOwnChild(pid: number, role: ChildRole, onExit: OnExit): void {
    this.owned.set(pid, { role, onExit });
    this.selfReaped++;
    this.keepAlive ??= setInterval(() => undefined, 2 ** 31 - 1);
  }

  /** Node reported the exit of one of its children: from now on that pid is nobody's. */
  release(pid: number): void {
    const o = this.owned.get(pid);
    if (!o || o.onExit) return;
    this.owned.delete(pid);
  }

  /** True while `pid` is a child of ours that has not been reported exited. */
  owns(pid: number): boolean {
    return this.owned.has(pid);
  }

  /** True for a live child we reap ourselves (posix_spawn'd), false for Node's and for any other pid. */
  collectsItself(pid: number): boolean {
    return !!this.owned.get(pid)?.onExit;
  }

  /** Whose exit it would be. */
  whose(pid: number): ChildRole | 'orphan' {
    return this.owned.get(pid)?.role ?? 'orphan';
  }

  /** Run `fn` on every SIGCHLD, after our own children were collected (the reaper's cue). Returns unsubscribe. */
  onSigchld(fn: () => void): () => void {
    this.afterSigchld.add(fn);
    this.listen();
    return () => {
      this.afterSigchld.delete(fn);
    };
  }

  private sigchld(): void {
    if (this.selfReaped > 0) this.collect();
    for (const fn of this.afterSigchld) fn();
  }

  /** waitpid(WNOHANG) each child we reap ourselves; tell each owner of an exit. */
  private collect(): void {
    const ended: [OnExit, number | null, NodeJS.Signals | null][] = [];
    for (const [pid, o] of this.owned) {
      if (!o.onExit) continue;
      let r: ReturnType<typeof waitNoHang>;
      try {
        r = waitNoHang(pid);
      } catch {
        r = { kind: 'not-child' };
      }
      if (r.kind === 'running') continue;
      this.owned.delete(pid);
      this.selfReaped--;
      // not-child (ECHILD): someone else reaped it; it is gone all the same, status unknown.
      ended.push(r.kind === 'exited' ? [o.onExit, r.code, r.signal] : [o.onExit, null, null]);
    }
    if (this.selfReaped === 0) {
      if (this.keepAlive) clearInterval(this.keepAlive);
      this.keepAlive = null;
    }
    // An owner that throws must not keep the others from hearing of their exit
    // (as with Node's own children, the error still surfaces as an uncaught exception).
    for (const [onExit, code, signal] of ended) {
      try {
        onExit(code, signal);
      } catch (err) {
        process.nextTick(() => {
          throw err;
        });
      }
    }
  }
}
