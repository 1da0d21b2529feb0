// Reading processes from /proc: who our children are, and a process's state,
// parent, group, session and start time.
//
// Children: /proc/<pid>/task/<tid>/children lists the children of one thread,
// and an orphan is reparented to *some* live thread of the reaper, so every
// thread's file is read. Kernels built without CONFIG_PROC_CHILDREN lack the
// file; then we scan every /proc/<n>/stat for our pid as parent (slower, same
// answer). Everything here tolerates processes vanishing mid-read: a process
// that is gone is simply not reported.

import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

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
  /** CPU time in user and kernel mode, in clock ticks (USER_HZ). */
  utime: number;
  stime: number;
  /** Resident set size, in pages. */
  rss: number;
}

/** Parse the text of /proc/<pid>/stat; null if malformed. */
export function parseStat(text: string): ProcStat | null {
  // comm is in parentheses and may itself contain ') ': the real end is the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // Fields 3 (state) to 24 (rss) follow ") ", one space apart: walk to the
  // ones we keep instead of splitting all ~50 (the session sweep parses every process).
  let state = '';
  let ppid = NaN;
  let pgrp = NaN;
  let session = NaN;
  let starttime = NaN;
  let utime = 0;
  let stime = 0;
  let rss = 0;
  let at = close + 2;
  for (let field = 3; field <= 24; field++) {
    let end = text.indexOf(' ', at);
    if (end < 0) {
      if (field < 22) return null;
      if (at >= text.length) break; // figures past starttime are optional
      end = text.length;
    }
    switch (field) {
      case 3:
        state = text.slice(at, end);
        break;
      case 4:
        ppid = Number(text.slice(at, end));
        break;
      case 5:
        pgrp = Number(text.slice(at, end));
        break;
      case 6:
        session = Number(text.slice(at, end));
        break;
      case 14:
        utime = Number(text.slice(at, end));
        break;
      case 15:
        stime = Number(text.slice(at, end));
        break;
      case 22:
        starttime = Number(text.slice(at, end));
        break;
      case 24:
        rss = Number(text.slice(at, end));
        break;
    }
    at = end + 1;
  }
  if (!state || !Number.isInteger(pid)) return null;
  return { pid, comm: text.slice(open + 1, close), state, ppid, pgrp, session, starttime, utime, stime, rss };
}

/** One buffer for every stat read: a stat line is a few hundred bytes. */
const statBuf = Buffer.allocUnsafe(4096);

/** /proc/<pid>/stat, or null when the process does not exist (any more). */
export function readStat(pid: number): ProcStat | null {
  // open/read/close into a reused buffer: readFileSync would fstat and allocate for each process.
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
  } catch {
    return null;
  }
  let len = 0;
  try {
    for (;;) {
      const got = readSync(fd, statBuf, len, statBuf.length - len, null);
      if (got <= 0) break;
      len += got;
      if (len === statBuf.length) break;
    }
  } catch {
    return null; // ESRCH: it ended between open and read
  } finally {
    closeSync(fd);
  }
  return parseStat(statBuf.toString('utf8', 0, len));
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
    // "123 456 " — pids, each followed by one space.
    let at = 0;
    while (at < text.length) {
      let end = text.indexOf(' ', at);
      if (end < 0) end = text.length;
      const n = Number(text.slice(at, end));
      if (end > at && Number.isInteger(n) && n > 0) out.add(n);
      at = end + 1;
    }
  }
  return [...out];
}
