// Node's spawn path, for what posix_spawn does not cover here: a user (uid/gid),
// the wrapper's settings, a command the fast path could not find, or an exec
// error (Node describes it). Two ways:
//
// Direct: child_process.spawn with uid/gid (libuv drops every supplementary
// group). Wrapper: when supplementary groups, a umask or the terminal (main
// as the foreground group of dinit's terminal) are asked for, Node cannot do
// it, so we run `node exec-as.js`, which sets them and execvp()s the service
// in place — same pid, so the caller never knows. The wrapper reports
// an exec failure on a close-on-exec status pipe (EOF without data = the exec
// happened): only then is the child `spawned` (or `failed`), and an exit that
// comes first is held until then.
//
// libuv reaps these children; os/children.ts knows each pid as ours until
// Node reports its exit, so the reaper never waits for one of them.

import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Children } from './children.js';
import type { ExtraFds, OutputPipes } from './output-pipes.js';
import type { Child, ChildEvents, ChildRole, SpawnRequest } from './ports.js';
import { resolveLimits, withServiceNofile, type ResolvedLimit } from './rlimits.js';
import { renameSpawnError, thrownSpawnError, wrapperError } from './spawn-errors.js';

/** What the exec-as wrapper receives (in $DINIT_EXEC_AS). */
export interface ExecAsSpec {
  command: string[];
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  groups?: number[];
  umask?: number;
  limits?: ResolvedLimit[];
  nice?: number;
  oomScoreAdj?: number;
  /** fds 0..keepFds-1 are the service's; they must survive the exec. */
  keepFds: number;
  /** Close-on-exec pipe for reporting an exec failure. */
  statusFd: number;
  /** setpgid(0, 0) and tcsetpgrp(0, self) before exec (SpawnRequest.console 'terminal'). */
  terminal?: boolean;
}

/** Path of the compiled wrapper script (next to this module, or to the bundle). */
const execAsScript = fileURLToPath(new URL('./exec-as.js', import.meta.url));

/** Whether this request needs the exec-as wrapper. */
export function needsWrapper(req: SpawnRequest): boolean {
  return req.groups !== undefined || req.umask !== undefined || req.console === 'terminal' || req.limits !== undefined || req.nice !== undefined || req.oomScoreAdj !== undefined;
}

/**
 * `extraFds`: the service's fds from 3 up as made by output-pipes.ts (null:
 * none asked for, or no libc: then Node makes them from req.extraStdio).
 */
export function nodeSpawn(req: SpawnRequest, pipes: OutputPipes, extraFds: ExtraFds | null, children: Children, role: ChildRole, events: ChildEvents): Child {
  const [file = '', ...args] = req.command;
  const extra = extraFds?.fds ?? req.extraStdio ?? [];
  const gid = req.gid ?? req.uid;
  const wrapped = needsWrapper(req);
  const terminal = req.console === 'terminal';
  const stdin = req.console ? 'inherit' : 'ignore';
  const statusFd = 3 + extra.length;
  let child: ChildProcess;
  try {
    if (!wrapped) {
      // dinit's soft nofile is lowered for this call only (rlimits.ts). libuv makes a pipe in it
      // (the exec status) and socketpairs for 'pipe' stdio without libc: EMFILE if the ~1024 fds
      // below the lowered limit were all in use, a transient failure retried under the restart
      // policy. dinit keeps 768-1023 free of its long-held pipes (pipe-fds.ts moveHigh), so that
      // takes ~250 fds of something else there (log files, control clients).
      child = withServiceNofile(() =>
        spawn(file, args, {
          env: req.env,
          cwd: req.cwd,
          uid: req.uid,
          gid,
          detached: true,
          stdio: [stdin, ...pipes.stdio, ...extra] as StdioOptions,
        }),
      );
    } else {
      // No window: the wrapper sets the service's nofile in the child (resolveLimits always lists it).
      const spec: ExecAsSpec = { command: req.command, env: req.env, keepFds: statusFd, statusFd };
      if (req.uid !== undefined) spec.uid = req.uid;
      if (gid !== undefined) spec.gid = gid;
      if (req.groups !== undefined) spec.groups = req.groups;
      if (req.umask !== undefined) spec.umask = req.umask;
      // Always: the wrapper is Node, which raises its own soft nofile again (rlimits.ts).
      spec.limits = resolveLimits(req.limits ?? {});
      if (req.nice !== undefined) spec.nice = req.nice;
      if (req.oomScoreAdj !== undefined) spec.oomScoreAdj = req.oomScoreAdj;
      if (terminal) spec.terminal = true;
      child = spawn(process.execPath, [execAsScript], {
        env: { DINIT_EXEC_AS: JSON.stringify(spec) },
        cwd: req.cwd,
        detached: !terminal,
        stdio: [stdin, ...pipes.stdio, ...extra, 'pipe'] as StdioOptions,
      });
    }
  } catch (err) {
    pipes.abandon();
    extraFds?.abandon();
    const e = thrownSpawnError(err, file, args);
    process.nextTick(() => events.failed(e));
    return { pid: undefined, stdout: null, stderr: null, stdio: [] };
  }

  const ours = pipes.adopt();
  const stdout = ours?.stdout ?? child.stdout;
  const stderr = ours?.stderr ?? child.stderr;
  const stdio: (Readable | null)[] = [null, stdout, stderr];
  const mine = extraFds?.adopt();
  for (let i = 0; i < extra.length; i++) stdio.push(mine?.[i] ?? (child.stdio[3 + i] as Readable | null | undefined) ?? null);
  const pid = child.pid;
  if (pid !== undefined) children.addNodeChild(pid, role);

  // Settled: we know whether the program runs (spawned) or not (failed).
  let outcome: 'pending' | 'spawned' | 'failed' = 'pending';
  let heldExit: [number | null, NodeJS.Signals | null] | null = null;
  const fail = (err: NodeJS.ErrnoException): void => {
    outcome = 'failed';
    stdout?.destroy();
    stderr?.destroy();
    events.failed(err);
  };
  const started = (): void => {
    outcome = 'spawned';
    events.spawned(pid as number);
    if (heldExit) events.exited(...heldExit);
  };

  child.once('error', (err: NodeJS.ErrnoException) => {
    // After the spawn, an error (a kill on a dead pid) changes nothing.
    if (outcome === 'pending') fail(wrapped && pid === undefined ? renameSpawnError(err, file) : err);
  });
  child.once('exit', (code, signal) => {
    if (pid !== undefined) children.release(pid);
    if (outcome === 'spawned') events.exited(code, signal);
    else if (outcome === 'pending') heldExit = [code, signal];
  });
  const status = wrapped ? (child.stdio[statusFd] as Readable | null | undefined) : null;
  child.once('spawn', () => {
    if (outcome !== 'pending') return;
    if (!status) return started();
    const chunks: Buffer[] = [];
    status.on('data', (c: Buffer) => chunks.push(c));
    status.on('error', () => {});
    status.once('close', () => {
      if (outcome !== 'pending') return;
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text.length > 0) fail(wrapperError(text, file, args));
      else started();
    });
  });
  return {
    get pid() {
      return outcome === 'failed' ? undefined : pid;
    },
    stdout,
    stderr,
    stdio,
  };
}
