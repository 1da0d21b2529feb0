// The real ProcessHost (ports.ts): spawn through os/spawn.ts, signals through
// os/kill.ts, sessions and resource figures through /proc, users through
// /etc/passwd and /etc/group.
// Made once, at the composition root (runtime/run.ts), around the process's
// one Children (the owner of child exits, which the reaper shares).

import type { Children } from './children.js';
import { killGroup, killPid, killTree, sessionLeftovers } from './kill.js';
import type { Leftover, ProcessHost, ResolvedUser } from './ports.js';
import { readStat } from './proc.js';
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
    selfFigures,
  };
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
