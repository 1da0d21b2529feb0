// Spawning a child (a service or a probe's command). Every child gets its own
// session (detached: setsid), so it is its own process group: stopping it
// signals the whole group, and its terminal-less session is where its
// descendants stay unless they setsid again.
//
// Two paths implement the one contract of ports.ts (spawned → exited, or
// failed, always after spawn() returned): posix_spawn (spawn-fast.ts) when
// nothing unusual is asked for, else Node's spawn (spawn-node.ts, with the
// exec-as wrapper for groups, umask and a terminal for main). Either way the child is registered
// with os/children.ts, the one owner of exits.

import { DinitError } from '../errors.js';
import type { Children } from './children.js';
import { extraFds, inheritedOutput, outputPipes } from './output-pipes.js';
import type { Child, ChildEvents, ChildRole, SpawnRequest } from './ports.js';
import { fastSpawn } from './spawn-fast.js';
import { needsWrapper, nodeSpawn } from './spawn-node.js';

/**
 * A service starts with the soft RLIMIT_NOFILE of a service, not dinit's
 * raised one (rlimits.ts): the exec-as wrapper sets it in the child, else
 * dinit lowers its own around the one call that creates the child. So every
 * fd is made here, before that call; nothing made inside may need one above
 * the lowered limit (with 1000 services dinit holds over 2000).
 */
export function spawnChild(req: SpawnRequest, children: Children, role: ChildRole, events: ChildEvents): Child {
  const [file, ...args] = req.command;
  if (file === undefined || file === '') throw new DinitError('INTERNAL', 'spawnChild: empty command');
  const pipes = req.console === 'terminal' ? inheritedOutput() : outputPipes();
  const wanted = req.extraStdio ?? [];
  const extra = wanted.length > 0 ? extraFds(wanted) : null;
  const plain = !needsWrapper(req) && req.uid === undefined && req.gid === undefined && (wanted.length === 0 || extra !== null) && !req.console;
  if (plain) {
    const fast = fastSpawn({ file, args, env: req.env, cwd: req.cwd, pipes, extra }, children, role, events);
    if (fast) return fast;
  }
  return nodeSpawn(req, pipes, extra, children, role, events);
}
