// The posix_spawn fast path (the common case: no user, groups, umask or
// limits): the service is started with posix_spawn(3) through koffi instead of
// Node's spawn. Node forks (copying the page tables of a ~50 MiB process, then
// waiting for the copy to exec), which costs about 1 ms per service on a small
// VM; posix_spawn uses vfork semantics (CLONE_VM|CLONE_VFORK) and costs a
// fraction of that, with the same result: own session (POSIX_SPAWN_SETSID),
// stdin /dev/null, our stdout/stderr pipes, extra fds from 3 up (a readiness
// fd), every signal at its default and
// none blocked (Node ignores SIGPIPE; libuv resets it the same way), the given
// environment, working-dir. Its exit is collected by os/children.ts (SIGCHLD,
// then waitpid of that pid only). Anything unusual (the command not found in
// PATH by a plain lookup, an exec error, no koffi, a working-dir on a libc
// without posix_spawn_file_actions_addchdir_np) returns null: the caller falls
// back to Node's spawn, so every error is reported exactly as Node reports it.
//
// Only the posix_spawn call itself runs with dinit's soft RLIMIT_NOFILE
// lowered to a service's (rlimits.ts), and nothing in it makes an fd: every
// pipe exists before, and the child only dup2s (glibc reports exec errors
// through shared memory, not a pipe). musl's posix_spawn does make a pipe
// there; it gets a low number because dinit keeps 768-1023 free of its
// long-held pipes (pipe-fds.ts moveHigh).

import { openSync, statSync } from 'node:fs';
import { libc, type Libc } from './libc.js';
import type { Children } from './children.js';
import type { ExtraFds, OutputPipes } from './output-pipes.js';
import type { Child, ChildEvents, ChildRole } from './ports.js';
import { withServiceNofile } from './rlimits.js';

const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
/** glibc ≥ 2.26 and musl. */
const POSIX_SPAWN_SETSID = 0x80;

interface Spawner {
  /**
   * posix_spawn(path), or posix_spawnp(file) when `search`: the pid, or the
   * errno (negative) of a failure. `fds[i]` goes to the child's fd 1+i
   * ('ignore': left closed); fd 0 is /dev/null.
   */
  spawn(path: string, search: boolean, argv: string[], envp: string[], fds: readonly (number | 'ignore')[], cwd: string | undefined): number;
}

/** undefined: not tried yet; null: unavailable (Node's spawn it is). A binding, not state: one per process. */
let spawner: Spawner | null | undefined;

function bindSpawner(): Spawner | null {
  let c: Libc;
  try {
    c = libc();
  } catch {
    return null;
  }
  try {
    const lib = c.koffi.load(c.path); // the same handle again (dlopen counts references)
    const posixSpawn = lib.func('int posix_spawn(_Out_ int *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)');
    const posixSpawnp = lib.func('int posix_spawnp(_Out_ int *pid, const char *file, void *fa, void *attr, const char **argv, const char **envp)');
    const faInit = lib.func('int posix_spawn_file_actions_init(void *fa)');
    const faDestroy = lib.func('int posix_spawn_file_actions_destroy(void *fa)');
    const faDup2 = lib.func('int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)') as (fa: Buffer, fd: number, newfd: number) => number;
    // glibc 2.29, musl 1.1.24: without it, services with a working-dir take Node's spawn.
    let faChdir: ((fa: Buffer, path: string) => number) | null = null;
    try {
      faChdir = lib.func('int posix_spawn_file_actions_addchdir_np(void *fa, const char *path)') as (fa: Buffer, path: string) => number;
    } catch {
      /* an older libc */
    }
    const attrInit = lib.func('int posix_spawnattr_init(void *attr)');
    const attrFlags = lib.func('int posix_spawnattr_setflags(void *attr, short flags)');
    const attrSigdef = lib.func('int posix_spawnattr_setsigdefault(void *attr, const void *set)');
    const attrSigmask = lib.func('int posix_spawnattr_setsigmask(void *attr, const void *set)');
    // Opaque libc structures, larger than any libc's (glibc: attr 336, file actions 80, sigset 128 bytes).
    const attr = Buffer.alloc(1024);
    const fa = Buffer.alloc(512);
    const none = Buffer.alloc(256);
    // Signals 1-64 back to SIG_DFL. Not sigfillset(): it leaves out libc's internal signals
    // (32-34), and glibc and musl then set those to SIG_IGN in the child, which exec keeps.
    const all = Buffer.alloc(256);
    all.fill(0xff, 0, 8);
    const ok = attrInit(attr) === 0 && attrSigdef(attr, all) === 0 && attrSigmask(attr, none) === 0 && attrFlags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) === 0;
    if (!ok) return null;
    // stdin for every service: one /dev/null of ours, opened now while fds are few, and dup2'd
    // in the child. An open there would take the lowest free fd, which is above the lowered
    // limit once dinit holds ~1024 (EMFILE); dup2 checks only the new fd (0) against it.
    const devNull = openSync('/dev/null', 'r'); // close-on-exec: libuv opens every file so
    const pid: [number] = [0];
    return {
      spawn(path, search, argv, envp, fds, cwd) {
        if (cwd !== undefined && !faChdir) return -1;
        if (faInit(fa) !== 0) return -1;
        try {
          // Built before the window: glibc's adddup2 refuses (EBADF) an fd at or above the soft limit.
          let r = faDup2(fa, devNull, 0);
          for (let i = 0; i < fds.length && r === 0; i++) {
            const fd = fds[i] as number | 'ignore';
            if (fd !== 'ignore') r = faDup2(fa, fd, i + 1);
          }
          if (r === 0 && cwd !== undefined && faChdir) r = faChdir(fa, cwd);
          if (r === 0) r = withServiceNofile(() => (search ? posixSpawnp : posixSpawn)(pid, path, fa, attr, [...argv, null], [...envp, null]) as number);
          return r === 0 ? pid[0] : -r;
        } finally {
          faDestroy(fa);
        }
      },
    };
  } catch {
    return null; // an old libc without one of the functions
  }
}

/**
 * Lookups of this synchronous run of JS (one reconcile starting 50 `sleep`s
 * walks PATH once, not 50 times); cleared on the next microtask, so a later
 * spawn sees the file system as it is then.
 */
const burst = new Map<string, string | null>();

/**
 * Where execvp would find `file` in `path`, for the plain case: every entry
 * absolute, the first regular file with an execute bit. null: let Node decide.
 */
function lookPath(file: string, path: string | undefined): string | null {
  if (file.includes('/')) return file;
  if (!path) return null;
  const key = `${path}\0${file}`;
  const known = burst.get(key);
  if (known !== undefined) return known;
  if (burst.size === 0) queueMicrotask(() => burst.clear());
  const found = searchPath(file, path);
  burst.set(key, found);
  return found;
}

function searchPath(file: string, path: string): string | null {
  for (const dir of path.split(':')) {
    if (!dir.startsWith('/')) return null;
    const candidate = `${dir.endsWith('/') ? dir.slice(0, -1) : dir}/${file}`;
    const st = statSync(candidate, { throwIfNoEntry: false });
    if (st && st.isFile() && (st.mode & 0o111) !== 0) return candidate;
  }
  return null;
}

export interface FastSpawn {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | undefined;
  pipes: OutputPipes;
  /** The service's fds from 3 up, made by the caller (null: none). */
  extra: ExtraFds | null;
}

/**
 * posix_spawn the command; null when this path does not apply or failed (the
 * caller then uses Node's spawn, which meets the same failure and describes it).
 * `spawned` follows on the next tick; `exited` when children.ts collects it.
 */
export function fastSpawn(req: FastSpawn, children: Children, role: ChildRole, events: ChildEvents): Child | null {
  const { file, args, env, cwd, pipes, extra } = req;
  if (!pipes.real) return null;
  if (spawner === undefined) spawner = bindSpawner();
  if (!spawner) return null;
  // The service's PATH is dinit's own (the usual case): posix_spawnp searches it in the child, one
  // execve per entry (as execvp does) and no stat here. Else a lookup here, in the service's PATH.
  const own = !file.includes('/') && !!env['PATH'] && env['PATH'] === process.env['PATH'];
  const path = own ? file : lookPath(file, env['PATH']);
  if (path === null) return null;
  const [outW, errW] = pipes.stdio as [number, number];
  if (outW < 3 || errW < 3) return null;
  // The dup2s run in order (0, 1, 2, then 3 up): an extra fd of ours that is itself one of the
  // child's extra numbers could be overwritten before its turn. Node sorts that out; leave it to Node.
  const extraFds = extra?.fds ?? [];
  const top = 3 + extraFds.length;
  if (extraFds.some((fd) => fd !== 'ignore' && fd >= 0 && fd < top)) return null;
  const envp: string[] = [];
  for (const k in env) envp.push(`${k}=${env[k]}`);
  children.listen();
  const pid = spawner.spawn(path, own, [file, ...args], envp, [outW, errW, ...extraFds], cwd);
  if (pid <= 0) return null;
  children.addOwnChild(pid, role, (code, signal) => events.exited(code, signal));
  const streams = pipes.adopt();
  const stdout = streams?.stdout ?? null;
  const stderr = streams?.stderr ?? null;
  const more = extra?.adopt() ?? [];
  process.nextTick(() => events.spawned(pid));
  return { pid, stdout, stderr, stdio: [null, stdout, stderr, ...more] };
}
