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
import { inheritedOutput, outputPipes } from './output-pipes.js';
import type { Child, ChildEvents, ChildRole, SpawnRequest } from './ports.js';
import { fastSpawn } from './spawn-fast.js';
import { needsWrapper, nodeSpawn } from './spawn-node.js';

export function spawnChild(req: SpawnRequest, children: Children, role: ChildRole, events: ChildEvents): Child {
  const [file, ...args] = req.command;
  if (file === undefined || file === '') throw new DinitError('INTERNAL', 'spawnChild: empty command');
  const pipes = req.console === 'terminal' ? inheritedOutput() : outputPipes();
  const plain = !needsWrapper(req) && req.uid === undefined && req.gid === undefined && (req.extraStdio ?? []).length === 0 && !req.console;
  if (plain) {
    const fast = fastSpawn({ file, args, env: req.env, cwd: req.cwd, pipes }, children, role, events);
    if (fast) return fast;
  }
  return nodeSpawn(req, pipes, children, role, events);
}
