// The real OS port, for tests that run real processes in-process: one
// Children (the owner of child exits) and one ProcessHost per test process,
// as runtime/run.ts makes one per dinit. `watch` turns the port's callbacks
// into promises and an ordered list a test can assert on.
import { Children } from '../../src/os/children.js';
import { createProcessHost } from '../../src/os/host.js';
import type { Child, ChildRole, SpawnRequest } from '../../src/os/ports.js';

export const children = new Children();
export const host = createProcessHost(children);

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Watched {
  child: Child;
  /** The port's calls so far, in order: 'spawned', 'exited', 'failed'. */
  events: string[];
  spawned: Promise<number>;
  exited: Promise<Exit>;
  failed: Promise<NodeJS.ErrnoException>;
  /** Everything the child wrote to stdout, once it exited (or failed) and its stdout closed. */
  output(): Promise<string>;
}

export function watch(req: SpawnRequest, role: ChildRole = 'service'): Watched {
  const events: string[] = [];
  let onSpawned!: (pid: number) => void;
  let onExited!: (e: Exit) => void;
  let onFailed!: (e: NodeJS.ErrnoException) => void;
  const spawned = new Promise<number>((r) => (onSpawned = r));
  const exited = new Promise<Exit>((r) => (onExited = r));
  const failed = new Promise<NodeJS.ErrnoException>((r) => (onFailed = r));
  const child = host.spawn(req, role, {
    spawned: (pid) => {
      events.push('spawned');
      onSpawned(pid);
    },
    exited: (code, signal) => {
      events.push('exited');
      onExited({ code, signal });
    },
    failed: (err) => {
      events.push('failed');
      onFailed(err);
    },
  });
  let out = '';
  const stdout = child.stdout;
  stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const closed = stdout ? new Promise((r) => (stdout.closed ? r(undefined) : stdout.once('close', r))) : Promise.resolve();
  const ended = Promise.race([exited, failed]);
  return { child, events, spawned, exited, failed, output: async () => (await Promise.all([ended, closed]), out) };
}
