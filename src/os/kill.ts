// Signalling a service and everything it started. A service runs in its own
// session and process group (spawn.ts), so one kill(-pgid) reaches the whole
// group. Descendants that moved to another group of the same session (shells
// with job control, `set -m`) are found by scanning /proc for the session id.
// Only a process that calls setsid() itself escapes both — those become
// orphans and are the reaper's business (orphans: reap | terminate | adopt).

import { DinitError } from '../errors.js';
import { allPids, readStat } from './proc.js';

function guard(id: number, what: string): void {
  // kill(0) would signal our own group, kill(-1) every process we may signal.
  if (!Number.isInteger(id) || id <= 1) throw new DinitError('INTERNAL', `refusing to signal ${what} ${id}`, { id });
}

function send(target: number, signal: NodeJS.Signals | number): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH' || code === 'EPERM') return false;
    throw err;
  }
}

/** Signal process group `pgid`; false when it no longer exists (ESRCH) or may not be signalled (EPERM). */
export function killGroup(pgid: number, signal: NodeJS.Signals | number): boolean {
  guard(pgid, 'process group');
  return send(-pgid, signal);
}

/** Signal one process; false when it no longer exists. */
export function killPid(pid: number, signal: NodeJS.Signals | number): boolean {
  guard(pid, 'pid');
  return send(pid, signal);
}

/** A live (non-zombie) process of a session, with its start time (with the pid, it names the process across pid reuse). */
export interface SessionMember {
  readonly pid: number;
  readonly start: number;
}

/** Counts walks of /proc for session members (tests check that one burst of exits walks once). */
export const sessionWalks = { count: 0 };

/** One walk of /proc: the live members (but ourselves) of session `only`, or of every session. */
function walkSessions(only?: number): Map<number, SessionMember[]> {
  sessionWalks.count++;
  const bySession = new Map<number, SessionMember[]>();
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    const st = readStat(pid);
    if (!st || st.state === 'Z' || st.state === 'X' || (only !== undefined && st.session !== only)) continue;
    let list = bySession.get(st.session);
    if (!list) bySession.set(st.session, (list = []));
    list.push({ pid, start: st.starttime });
  }
  return bySession;
}

/** Live (non-zombie) processes whose session id is `sid`, except ourselves. */
export function sessionMembers(sid: number): number[] {
  guard(sid, 'session');
  return (walkSessions(sid).get(sid) ?? []).map((m) => m.pid);
}

/** Every session's members, from the walk of this run of JS (see sessionLeftovers). */
let burst: Map<number, SessionMember[]> | null = null;

/**
 * What is left of session `sid` once its leader was reaped. Every leader that
 * one SIGCHLD reports is reaped before any of them is looked at
 * (os/children.ts), so the first call of a run of JS walks /proc once for every
 * session and the others of that run read the same walk: N services ending
 * together cost one walk, not N (300 stopping at shutdown: 300 × 300 stat
 * reads before). Forgotten on the next microtask, so a later exit sees /proc
 * as it is then.
 */
export function sessionLeftovers(sid: number): readonly SessionMember[] {
  guard(sid, 'session');
  if (!burst) {
    burst = walkSessions();
    queueMicrotask(() => (burst = null));
  }
  return burst.get(sid) ?? [];
}

/**
 * Signal the group led by `pid` and every other member of its session.
 * Returns how many targets were signalled (the group counts once); 0 = nothing left.
 */
export function killTree(pid: number, signal: NodeJS.Signals | number): number {
  guard(pid, 'pid');
  // No group yet: a process that makes its own group after spawn (main with a terminal) is signalled alone.
  let n = killGroup(pid, signal) || send(pid, signal) ? 1 : 0;
  for (const member of sessionMembers(pid)) {
    const st = readStat(member);
    if (st && st.pgrp !== pid && send(member, signal)) n++;
  }
  return n;
}
