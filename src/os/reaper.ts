// Reaping processes that are our children but not Node's.
//
// As PID 1 (or a child subreaper) every orphan in the container is reparented
// to us. Node's child_process waits only for the pids it spawned, so those
// orphans would stay zombies forever. We must not waitpid(-1): that would also
// collect Node's own children and libuv would never report their exit.
//
// Reaping (drain): waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT) names an exited
// child without reaping it; if it is not ours (spawned here and not yet
// reported exited: os/children.ts says) we waitpid() that pid, and
// loop until no exited child is left: one system call finds each zombie, no
// /proc read. The peek always names the first exited child in the kernel's
// list, so when that one is ours (libuv or children.ts collect it on the same
// SIGCHLD) the zombies behind it are found by a scan instead: list our
// children in /proc, skip ours, waitpid() each of the others by pid with
// WNOHANG. When many end at once, a scan also takes the rest (see drain).
//
// Live orphans are found by that scan too, for the orphan policy:
//   reap      — leave live orphans alone; reap them when they die (default);
//   terminate — SIGTERM each live orphan once, SIGKILL after graceMs, then reap;
//   adopt     — leave them running, announce each once, list them in orphans().
//
// When: on SIGCHLD (children.ts tells us, after collecting its own), drained on the
// next check phase (setImmediate): a burst of signals delivered together is one
// drain, the first one is not delayed, and libuv has already reaped its own
// children for those signals. Under terminate/adopt a scan for live orphans
// follows, at most one per `minGapMs`. A safety pass every `intervalMs` (in
// case a signal is ever missed) drains, plus scans under terminate/adopt. Idle
// under `reap`, that is one waitid() a second.

import type { OrphanPolicy } from '../types.js';
import { peekExited, reapIfExited, type Reaped } from './libc.js';
import { childPids, readStat } from './proc.js';
import { killPid } from './kill.js';
import type { Children } from './children.js';

export interface ReaperOptions {
  /** The owner of child exits: every pid it owns is never waited for here, and it tells us of each SIGCHLD. */
  children: Children;
  /** More pids the caller is responsible for. Never waited for here. */
  isOwn?(pid: number): boolean;
  policy: OrphanPolicy;
  /** terminate: SIGKILL this long after SIGTERM (default 5000 ms). */
  graceMs?: number;
  /** One human-readable line per notable event (terminating, killing, adopting an orphan). */
  onEvent?(msg: string): void;
  /** Safety scan period (default 1000 ms). */
  intervalMs?: number;
  /** terminate/adopt: minimum time between two SIGCHLD-triggered scans for live orphans (default 10 ms). */
  minGapMs?: number;
}

interface Orphan {
  pid: number;
  comm: string;
}

export interface Reaper {
  start(): void;
  stop(): void;
  /** Scan now; returns how many zombies were reaped. */
  reapNow(): number;
  /** Live processes reparented to us that are not our own children. */
  orphans(): Orphan[];
  /** Zombies reaped since creation. */
  reapedCount(): number;
}

/** Zombies reaped by peeking in a row before a scan may take the rest (see drain). */
const BATCH_MIN = 16;

interface Doomed {
  starttime: number;
  comm: string;
  timer: NodeJS.Timeout;
}

export function createReaper(opts: ReaperOptions): Reaper {
  const graceMs = opts.graceMs ?? 5000;
  const intervalMs = opts.intervalMs ?? 1000;
  const minGapMs = opts.minGapMs ?? 10;
  const say = (msg: string): void => opts.onEvent?.(msg);
  const mine = (pid: number): boolean => opts.children.owns(pid) || (opts.isOwn?.(pid) ?? false);
  const doomed = new Map<number, Doomed>();
  const announced = new Set<number>();
  let reaped = 0;
  let running = false;
  let interval: NodeJS.Timeout | undefined;
  let pending: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let unsubscribe: (() => void) | undefined;
  let lastScan = 0;
  /** Live children (not ours) the last scan found: what a scan costs in vain. */
  let liveSeen = 0;

  function forget(pid: number): void {
    const d = doomed.get(pid);
    if (d) clearTimeout(d.timer);
    doomed.delete(pid);
    announced.delete(pid);
  }

  function live(pid: number): void {
    switch (opts.policy) {
      case 'reap':
        return;
      case 'adopt': {
        if (announced.has(pid)) return;
        announced.add(pid);
        const st = readStat(pid);
        say(`adopted orphan process ${pid} (${st?.comm ?? '?'}); it keeps running (orphans: adopt)`);
        return;
      }
      case 'terminate': {
        if (doomed.has(pid)) return;
        const st = readStat(pid);
        if (!st || st.state === 'Z') return;
        if (!killPid(pid, 'SIGTERM')) return;
        say(`orphan process ${pid} (${st.comm}) was left behind: sent SIGTERM, SIGKILL in ${graceMs} ms (orphans: terminate)`);
        const timer = setTimeout(() => escalate(pid), graceMs);
        timer.unref();
        doomed.set(pid, { starttime: st.starttime, comm: st.comm, timer });
        return;
      }
      default: {
        const never: never = opts.policy;
        throw new Error(`unknown orphan policy ${String(never)}`);
      }
    }
  }

  function escalate(pid: number): void {
    const d = doomed.get(pid);
    if (!d) return;
    const st = readStat(pid);
    // Same process (pid not reused), still ours, still alive.
    if (st && st.starttime === d.starttime && st.ppid === process.pid && st.state !== 'Z' && !mine(pid)) {
      if (killPid(pid, 'SIGKILL')) say(`orphan process ${pid} (${d.comm}) ignored SIGTERM for ${graceMs} ms: sent SIGKILL`);
    }
    // Keep the entry (no second SIGTERM) until the scan sees it gone.
  }

  /**
   * Reap every exited child that is not ours: peek, reap that pid, repeat. Two
   * system calls per zombie; a scan costs one per child (live ones included)
   * plus reading the list, so after a streak of peeked zombies as long as half
   * the live children the last scan saw, the rest are taken by one scan (1000
   * orphans ending at once: a few peeks, then one pass at waitpid(-1)'s cost).
   */
  function drain(): number {
    let n = 0;
    let streak = 0;
    for (;;) {
      const pid = peekExited();
      if (pid <= 0) break;
      // Ours (libuv or children.ts collect it on SIGCHLD), or, which cannot happen for a pid the
      // kernel just named as exited, not reapable: the peek would keep naming it, so look past it.
      if (mine(pid) || reap(pid) !== 'exited') return n + scan();
      n++;
      if (++streak >= Math.max(BATCH_MIN, liveSeen >> 1)) {
        n += scan();
        streak = 0;
      }
    }
    return n;
  }

  /** waitpid(pid, WNOHANG), counted. */
  function reap(pid: number): Reaped {
    const r = reapIfExited(pid);
    if (r === 'exited') reaped++;
    if (r !== 'running') forget(pid);
    return r;
  }

  /** Every child in /proc that is not ours: reap it if it has exited, else apply the orphan policy. */
  function scan(): number {
    lastScan = Date.now();
    let n = 0;
    let alive = 0;
    for (const pid of childPids()) {
      if (mine(pid)) continue;
      const r = reap(pid);
      if (r === 'exited') n++;
      else if (r === 'running') {
        alive++;
        live(pid);
      }
    }
    liveSeen = alive;
    return n;
  }

  function reapNow(): number {
    return drain() + scan();
  }

  let lastError = '';
  function guarded(fn: () => unknown): void {
    if (!running) return;
    try {
      fn();
      lastError = '';
    } catch (err) {
      // Once per distinct failure, not once per SIGCHLD.
      const msg = `reaper scan failed: ${(err as Error).message}`;
      if (msg !== lastError) say(msg);
      lastError = msg;
    }
  }

  const watchLive = opts.policy !== 'reap';

  function onScanTimer(): void {
    pending = undefined;
    guarded(scan);
  }

  function onImmediate(): void {
    immediate = undefined;
    guarded(drain);
    if (!watchLive || !running || pending) return;
    pending = setTimeout(onScanTimer, Math.max(0, lastScan + minGapMs - Date.now()));
    pending.unref();
  }

  function onSigchld(): void {
    if (!running || immediate) return;
    immediate = setImmediate(onImmediate);
    immediate.unref();
  }

  function onInterval(): void {
    guarded(watchLive ? reapNow : drain);
  }

  return {
    start() {
      if (running) return;
      running = true;
      unsubscribe = opts.children.onSigchld(onSigchld);
      interval = setInterval(onInterval, intervalMs);
      interval.unref();
      guarded(reapNow);
    },
    stop() {
      running = false;
      unsubscribe?.();
      unsubscribe = undefined;
      if (interval) clearInterval(interval);
      if (pending) clearTimeout(pending);
      if (immediate) clearImmediate(immediate);
      interval = pending = immediate = undefined;
      for (const d of doomed.values()) clearTimeout(d.timer);
      doomed.clear();
    },
    reapNow,
    orphans() {
      const out: Orphan[] = [];
      for (const pid of childPids()) {
        if (mine(pid)) continue;
        const st = readStat(pid);
        if (st && st.state !== 'Z' && st.ppid === process.pid) out.push({ pid, comm: st.comm });
      }
      return out;
    },
    reapedCount: () => reaped,
  };
}
