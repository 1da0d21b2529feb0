// Resource figures per service, from /proc: CPU time and resident memory
// summed over every process of the service's process group and session (each
// service is spawned as its own session leader, so its pid is both). Workers
// that moved to a group of their own stay counted through the session; a
// daemon that called setsid() itself is no longer the service's.
//
// Sampling reads one /proc/<pid>/stat per process on the machine (~10 µs
// each), so it happens only when someone asks (status, a metrics scrape,
// `dinit top`, a memory limit), never on a timer. Asks closer together than
// `minIntervalMs` share one sample: a burst of scrapes costs one /proc walk,
// and CPU% is always over a window long enough to mean something.
//
// CPU% is over the time since the previous sample of the same process (100%
// = one core busy). A process seen for the first time gets its lifetime
// average (CPU time over the time since it started), so a one-off `dinit
// status` still shows a figure.

import { readdirSync, readFileSync } from 'node:fs';
import type { ResourceFigures, SelfFigures } from '../types.js';
import { allPids, readStat } from './proc.js';

/** USER_HZ: the unit of /proc times. It is 100 in the kernel ABI of every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

let pageBytes: number | undefined;
/**
 * The page size, without a native call: Node's rss is /proc/self/stat's rss
 * pages times getpagesize(), so their ratio (rounded to a power of two, 4 KiB
 * to 64 KiB) is the page size.
 */
export function pageSize(): number {
  if (pageBytes !== undefined) return pageBytes;
  const pages = readStat(process.pid)?.rss ?? 0;
  const ratio = pages > 0 ? process.memoryUsage.rss() / pages : 4096;
  pageBytes = 2 ** Math.min(16, Math.max(12, Math.round(Math.log2(ratio))));
  return pageBytes;
}

/** Seconds since boot, from /proc/uptime. */
function uptimeSeconds(): number {
  try {
    return Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
  } catch {
    return NaN;
  }
}

interface Previous {
  /** performance.now() of the sample. */
  at: number;
  cpuSeconds: number;
}

export interface ResourceSamplerOptions {
  /** Asks closer together than this share one sample (default 500 ms). */
  minIntervalMs?: number;
  now?: () => number;
}

export class ResourceSampler {
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  /** Per leader pid (with its start time: a reused pid is another process). */
  private previous = new Map<string, Previous>();
  private last: { at: number; leaders: string; figures: Map<number, ResourceFigures> } | null = null;

  constructor(opts: ResourceSamplerOptions = {}) {
    this.minIntervalMs = opts.minIntervalMs ?? 500;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Figures for each leader pid given (services with no process are simply not asked). */
  sample(leaders: number[]): Map<number, ResourceFigures> {
    const at = this.now();
    const key = leaders.join(',');
    if (this.last && this.last.leaders === key && at - this.last.at < this.minIntervalMs) return this.last.figures;

    const wanted = new Set(leaders);
    const sums = new Map<number, { ticks: number; pages: number; processes: number; starttime: number }>();
    for (const l of leaders) sums.set(l, { ticks: 0, pages: 0, processes: 0, starttime: NaN });
    for (const pid of allPids()) {
      const st = readStat(pid);
      if (!st || st.state === 'Z' || st.state === 'X') continue;
      // One process counts once even when its group and session name different leaders.
      const leader = wanted.has(st.session) ? st.session : wanted.has(st.pgrp) ? st.pgrp : undefined;
      if (leader === undefined) continue;
      const s = sums.get(leader)!;
      s.ticks += st.utime + st.stime;
      s.pages += st.rss;
      s.processes++;
      if (pid === leader) s.starttime = st.starttime;
    }

    const page = pageSize();
    const uptime = uptimeSeconds();
    const figures = new Map<number, ResourceFigures>();
    const next = new Map<string, Previous>();
    for (const [leader, s] of sums) {
      if (s.processes === 0) continue;
      const cpuSeconds = s.ticks / TICKS_PER_SECOND;
      const id = `${leader}@${s.starttime}`;
      const prev = this.previous.get(id);
      let cpuPercent: number;
      if (prev && at > prev.at) {
        cpuPercent = (Math.max(0, cpuSeconds - prev.cpuSeconds) / ((at - prev.at) / 1000)) * 100;
      } else {
        const lived = uptime - s.starttime / TICKS_PER_SECOND;
        cpuPercent = lived > 0 ? (cpuSeconds / lived) * 100 : 0;
      }
      figures.set(leader, { cpuSeconds, cpuPercent, rssBytes: s.pages * page, processes: s.processes });
      next.set(id, { at, cpuSeconds });
    }
    // Only the processes of this sample are remembered: the map never outgrows the services.
    this.previous = next;
    this.last = { at, leaders: key, figures };
    return figures;
  }
}

/** The supervisor process's own figures (Prometheus' standard process_* metrics). */
export function selfFigures(): SelfFigures {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  let openFds: number | null = null;
  let maxFds: number | null = null;
  try {
    // readdir opens one fd on the directory itself: it is not counted.
    openFds = readdirSync('/proc/self/fd').length - 1;
    const limits = readFileSync('/proc/self/limits', 'latin1');
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    if (m && m[1] !== 'unlimited') maxFds = Number(m[1]);
  } catch {
    // not Linux, or /proc not mounted: leave them out
  }
  return {
    cpuUserSeconds: cpu.user / 1e6,
    cpuSystemSeconds: cpu.system / 1e6,
    rssBytes: mem.rss,
    heapBytes: mem.heapTotal,
    startTimeSeconds: Math.round(performance.timeOrigin / 10) / 100,
    openFds,
    maxFds,
  };
}
