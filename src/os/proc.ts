// Reading processes from /proc: who our children are, and a process's state,
// parent, group, session and start time.
//
// Children: /proc/<pid>/task/<tid>/children lists the children of one thread,
// and an orphan is reparented to *some* live thread of the reaper, so every
// thread's file is read. Kernels built without CONFIG_PROC_CHILDREN lack the
// file; then we scan every /proc/<n>/stat for our pid as parent (slower, same
// answer). Everything here tolerates processes vanishing mid-read: a process
// that is gone is simply not reported.

import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** Executable name as the kernel keeps it (≤ 15 chars), may contain spaces and ')'. */
  comm: string;
  /** R, S, D, Z (zombie), T, t, X, I… */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Clock ticks after boot: with pid, identifies a process across pid reuse. */
  starttime: number;
}

/** Parse the text of /proc/<pid>/stat; null if malformed. */
export function parseStat(text: string): ProcStat | null {
  // comm is in parentheses and may itself contain ') ': the real end is the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const state = rest[0];
  const num = (field: number): number => Number(rest[field - 3]);
  if (!state || !Number.isInteger(pid) || rest.length < 20) return null;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state,
    ppid: num(4),
    pgrp: num(5),
    session: num(6),
    starttime: num(22),
  };
}

/** /proc/<pid>/stat, or null when the process does not exist (any more). */
export function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Every pid in /proc (processes only, not threads). */
export function allPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids;
}

let haveChildrenFiles: boolean | undefined;

/** The children of process `pid` (default: ourselves), live or zombie. */
export function childPids(pid: number = process.pid): number[] {
  if (haveChildrenFiles !== false) {
    const viaTasks = childrenViaTasks(pid);
    if (viaTasks) return viaTasks;
  }
  return allPids().filter((p) => readStat(p)?.ppid === pid);
}

function childrenViaTasks(pid: number): number[] | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out = new Set<number>();
  for (const tid of tids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && haveChildrenFiles === undefined) {
        // Either the kernel lacks the file, or this thread just ended: tell them apart once.
        try {
          readFileSync(`/proc/self/task/${process.pid}/children`);
        } catch {
          haveChildrenFiles = false;
          return null;
        }
      }
      continue;
    }
    haveChildrenFiles = true;
    for (const p of text.split(/\s+/)) {
      const n = Number(p);
      if (p.length > 0 && Number.isInteger(n) && n > 0) out.add(n);
    }
  }
  return [...out];
}
