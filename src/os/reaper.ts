// Reaping processes that are our children but not Node's.
//
// As PID 1 (or a child subreaper) every orphan in the container is reparented
// to us. Node's child_process waits only for the pids it spawned, so those
// orphans would stay zombies forever. We must not waitpid(-1): that would also
// collect Node's own children and libuv would never report their exit. So we
// list our children in /proc, skip every pid that is ours (spawned here and not
// yet reported exited, or claimed by the caller's isOwn), and waitpid() each of
// the others by pid with WNOHANG: a zombie is reaped, a live one is left to the
// orphan policy:
//   reap      — leave live orphans alone; reap them when they die (default);
//   terminate — SIGTERM each live orphan once, SIGKILL after graceMs, then reap;
//   adopt     — leave them running, announce each once, list them in orphans().
//
// When: on SIGCHLD (a JS listener coexists with libuv's own; signals coalesce,
// so each scan looks at all children), with scans coalesced to at most one per
// `minGapMs`, plus a slow safety scan every `intervalMs` in case a signal is
// ever missed. Idle, that is one read of /proc/self/task/*/children a second.

import type { OrphanPolicy } from '../types.js';
import { waitNoHang } from './libc.js';
import { childPids, readStat } from './proc.js';
import { killPid } from './kill.js';
import { isSpawnedChild } from './spawn.js';

export interface ReaperOptions {
  /** Pids the caller is responsible for (its own children). Never waited for here. */
  isOwn(pid: number): boolean;
  policy: OrphanPolicy;
  /** terminate: SIGKILL this long after SIGTERM (default 5000 ms). */
  graceMs?: number;
  /** One human-readable line per notable event (terminating, killing, adopting an orphan). */
  onEvent?(msg: string): void;
  /** Safety scan period (default 1000 ms). */
  intervalMs?: number;
  /** Minimum time between two SIGCHLD-triggered scans (default 10 ms). */
  minGapMs?: number;
}

export interface Orphan {
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
  const mine = (pid: number): boolean => isSpawnedChild(pid) || opts.isOwn(pid);
  const doomed = new Map<number, Doomed>();
  const announced = new Set<number>();
  let reaped = 0;
  let running = false;
  let interval: NodeJS.Timeout | undefined;
  let pending: NodeJS.Timeout | undefined;
  let lastScan = 0;

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

  function reapNow(): number {
    lastScan = Date.now();
    let n = 0;
    for (const pid of childPids()) {
      if (mine(pid)) continue;
      const r = waitNoHang(pid);
      switch (r.kind) {
        case 'exited':
          n++;
          forget(pid);
          break;
        case 'running':
          live(pid);
          break;
        case 'not-child':
          forget(pid);
          break;
        default: {
          const never: never = r;
          throw new Error(`unexpected wait result ${String(never)}`);
        }
      }
    }
    reaped += n;
    return n;
  }

  function safeScan(): void {
    pending = undefined;
    if (!running) return;
    try {
      reapNow();
    } catch (err) {
      say(`reaper scan failed: ${(err as Error).message}`);
    }
  }

  function onSigchld(): void {
    if (!running || pending) return;
    const wait = Math.max(0, lastScan + minGapMs - Date.now());
    pending = setTimeout(safeScan, wait);
    pending.unref();
  }

  return {
    start() {
      if (running) return;
      running = true;
      process.on('SIGCHLD', onSigchld);
      interval = setInterval(safeScan, intervalMs);
      interval.unref();
      safeScan();
    },
    stop() {
      running = false;
      process.removeListener('SIGCHLD', onSigchld);
      if (interval) clearInterval(interval);
      if (pending) clearTimeout(pending);
      interval = pending = undefined;
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
