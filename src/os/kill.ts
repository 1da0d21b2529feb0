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

/** Live (non-zombie) processes whose session id is `sid`, except ourselves. */
export function sessionMembers(sid: number): number[] {
  guard(sid, 'session');
  const out: number[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    const st = readStat(pid);
    if (st && st.session === sid && st.state !== 'Z' && st.state !== 'X') out.push(pid);
  }
  return out;
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
