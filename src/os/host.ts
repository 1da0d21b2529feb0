// The real ProcessHost (ports.ts): spawn through os/spawn.ts, signals through
// os/kill.ts, sessions and resource figures through /proc, users through
// /etc/passwd and /etc/group.
// Made once, at the composition root (runtime/run.ts), around the process's
// one Children (the owner of child exits, which the reaper shares).

import type { Children } from './children.js';
import { killGroup, killPid, killTree, sessionLeftovers } from './kill.js';
import type { Leftover, ProcessHost, ResolvedUser } from './ports.js';
import { readStat } from './proc.js';
import { readRegularFileSync } from './regular-file.js';
import { ResourceSampler, selfFigures } from './resources.js';
import { spawnChild } from './spawn.js';
import { describeSpawnError, isTransientSpawnError } from './spawn-errors.js';
import { resolveUser } from './users.js';

export function createProcessHost(children: Children): ProcessHost {
  const sampler = new ResourceSampler();
  return {
    spawn: (req, role, events) => spawnChild(req, children, role, events),
    signalGroup: (pgid, signal) => killGroup(pgid, signal),
    signalPid: (pid, signal) => killPid(pid, signal),
    signalTree: (pid, signal) => killTree(pid, signal),
    sweepSession(sid, signal) {
      const left: Leftover[] = [...sessionLeftovers(sid)];
      for (const m of left) killPid(m.pid, signal);
      return left;
    },
    killLeftovers(left) {
      for (const m of left) if (readStat(m.pid)?.starttime === m.start) killPid(m.pid, 'SIGKILL');
    },
    resolveUser: cachedUsers(),
    describeSpawnError,
    isTransientSpawnError,
    sampleResources: (leaders) => sampler.sample(leaders),
    readPidFile,
    adopt: (pid, exited) => children.adopt(pid, 'service', exited),
    selfFigures,
  };
}

/** A pid file: one decimal pid (surrounding blanks allowed), of a live child of dinit. */
function readPidFile(path: string): { pid: number } | { error: string } {
  let text: string;
  try {
    text = readRegularFileSync(path, 4096);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { error: e.code === 'ENOENT' ? `pid file ${path} does not exist` : `cannot read pid file ${path}: ${e.message}` };
  }
  const t = text.trim();
  const pid = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(pid) || pid <= 1) return { error: `pid file ${path} holds no pid (${JSON.stringify(t.slice(0, 40))})` };
  const st = readStat(pid);
  if (!st || st.state === 'X') return { error: `stale pid file ${path}: no process ${pid}` };
  if (st.ppid !== process.pid) return { error: `stale pid file ${path}: process ${pid} is not dinit's child (its parent is ${st.ppid})` };
  return { pid };
}

/**
 * `user:` specs resolved in this run of JS (one reconcile starting 50 services
 * as www-data reads /etc/passwd and /etc/group once, not 50 times); forgotten
 * on the next microtask, so a later start sees the files as they are then.
 */
function cachedUsers(): (spec: string) => ResolvedUser {
  const users = new Map<string, ResolvedUser>();
  return (spec) => {
    const known = users.get(spec);
    if (known) return known;
    const u = resolveUser(spec); // throws for an unknown user: not remembered
    if (users.size === 0) queueMicrotask(() => users.clear());
    users.set(spec, u);
    return u;
  };
}
