// The exec-as wrapper: a tiny program (run as `node exec-as.js`, spec in
// $DINIT_EXEC_AS) that sets what Node's spawn cannot — supplementary groups,
// umask, a process group of its own in the foreground of dinit's terminal —
// plus gid/uid, then execvp()s the service in place, so the pid the
// supervisor holds becomes the service's pid.
//
// The terminal step is tini's: the child itself calls setpgid(0, 0) and
// tcsetpgrp() before exec, with SIGTTOU blocked (it is no longer in the
// foreground group when it asks), so the program never runs a moment in the
// background of its own terminal (an interactive shell would stop itself with
// SIGTTIN, or give up job control).
//
// Because this process is Node, it must undo what Node did to itself before
// handing over: Node marks fds 0-2 close-on-exec and non-blocking, ignores
// SIGPIPE (an ignored signal stays ignored across exec) and may block signals
// in this thread. The service must start as if spawned directly: blocking
// stdio, default dispositions, empty signal mask. The service's environment
// replaces ours only at the last moment (setenv via process.env), so nothing
// like NODE_OPTIONS from the service can change how this wrapper runs.
//
// Failures are written as one JSON line to the status fd (close-on-exec, so a
// successful exec closes it with nothing written); see spawn-node.ts.

import { writeSync } from 'node:fs';
import { errnoName } from './errno.js';
import { F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_NONBLOCK, libc, type Libc } from './libc.js';
import type { ExecAsFailure } from './spawn-errors.js';
import type { ExecAsSpec } from './spawn-node.js';

const SIGKILL = 9;
const SIGSTOP = 19;
const SIGTTOU = 22;
const MAX_SIGNAL = 64;

function fail(spec: ExecAsSpec | null, f: ExecAsFailure, exitCode: number): never {
  const line = JSON.stringify(f) + '\n';
  try {
    if (spec) writeSync(spec.statusFd, line);
    else writeSync(2, `dinit exec-as: ${f.message}\n`);
  } catch {
    writeSync(2, `dinit exec-as: ${f.message}\n`);
  }
  process.exit(exitCode);
}

function main(): never {
  const raw = process.env['DINIT_EXEC_AS'];
  if (raw === undefined) {
    return fail(null, { code: 'EINVAL', errno: 22, syscall: 'exec-as', message: 'internal helper of dinit, not meant to be run by hand' }, 2);
  }
  const spec = JSON.parse(raw) as ExecAsSpec;
  const [file] = spec.command;
  if (file === undefined) return fail(spec, { code: 'EINVAL', errno: 22, syscall: 'exec-as', message: 'empty command' }, 2);

  const c = libc();
  // Order matters: groups and gid need root, so uid goes last.
  const steps: [string, () => void][] = [
    ['tcsetpgrp', () => spec.terminal && foreground(c)],
    ['setgroups', () => spec.groups !== undefined && process.setgroups?.(spec.groups)],
    ['setgid', () => spec.gid !== undefined && process.setgid?.(spec.gid)],
    ['umask', () => spec.umask !== undefined && process.umask(spec.umask)],
    ['setuid', () => spec.uid !== undefined && process.setuid?.(spec.uid)],
  ];
  for (const [syscall, step] of steps) {
    try {
      step();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const code = e.code ?? 'EPERM';
      return fail(spec, { code, errno: Math.abs(e.errno ?? 1), syscall, message: `${syscall} failed: ${e.message}` }, 126);
    }
  }

  for (let fd = 0; fd < spec.keepFds; fd++) {
    const fdFlags = c.fcntlGet(fd, F_GETFD);
    if (fdFlags >= 0 && fdFlags & FD_CLOEXEC) c.fcntlSet(fd, F_SETFD, fdFlags & ~FD_CLOEXEC);
    if (fd <= 2) {
      const flFlags = c.fcntlGet(fd, F_GETFL);
      if (flFlags >= 0 && flFlags & O_NONBLOCK) c.fcntlSet(fd, F_SETFL, flFlags & ~O_NONBLOCK);
    }
  }
  c.fcntlSet(spec.statusFd, F_SETFD, FD_CLOEXEC);

  for (const key of Object.keys(process.env)) delete process.env[key];
  for (const [key, value] of Object.entries(spec.env)) process.env[key] = value;

  for (let sig = 1; sig <= MAX_SIGNAL; sig++) if (sig !== SIGKILL && sig !== SIGSTOP) c.signalDefault(sig);
  c.unblockAllSignals();

  c.execvp(file, [...spec.command, null]);
  const errno = c.errno();
  const code = errnoName(errno);
  return fail(spec, { code, errno, syscall: 'execvp', message: `cannot execute '${file}': ${code}` }, code === 'ENOENT' ? 127 : 126);
}

/** Become a process group of our own and the terminal's foreground group (fd 0 is the terminal). */
function foreground(c: Libc): void {
  c.blockSignal(SIGTTOU); // unblocked with every other signal before exec
  if (c.setpgid(0, 0) !== 0 || c.tcsetpgrp(0, c.getpid()) !== 0) {
    const errno = c.errno();
    throw Object.assign(new Error(`cannot take the terminal: ${errnoName(errno)}`), { code: errnoName(errno), errno });
  }
}

main();
