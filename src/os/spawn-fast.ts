// The posix_spawn fast path (the common case: no user, groups, umask or extra
// fds): the service is started with posix_spawn(3) through koffi instead of
// Node's spawn. Node forks (copying the page tables of a ~50 MiB process, then
// waiting for the copy to exec), which costs about 1 ms per service on a small
// VM; posix_spawn uses vfork semantics (CLONE_VM|CLONE_VFORK) and costs a
// fraction of that, with the same result: own session (POSIX_SPAWN_SETSID),
// stdin /dev/null, our stdout/stderr pipes, every signal at its default and
// none blocked (Node ignores SIGPIPE; libuv resets it the same way), the given
// environment, working-dir. Its exit is collected by os/children.ts (SIGCHLD,
// then waitpid of that pid only). Anything unusual (the command not found in
// PATH by a plain lookup, an exec error, no koffi, a working-dir on a libc
// without posix_spawn_file_actions_addchdir_np) returns null: the caller falls
// back to Node's spawn, so every error is reported exactly as Node reports it.

import { statSync } from 'node:fs';
import { libc, type Libc } from './libc.js';
import type { Children } from './children.js';
import type { OutputPipes } from './output-pipes.js';
import type { Child, ChildEvents, ChildRole } from './ports.js';

const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
/** glibc ≥ 2.26 and musl. */
const POSIX_SPAWN_SETSID = 0x80;
const O_RDONLY = 0;

interface Spawner {
  /**
   * posix_spawn(path), or posix_spawnp(file) when `search`: the pid, or the
   * errno (negative) of a failure.
   */
  spawn(path: string, search: boolean, argv: string[], envp: string[], outW: number, errW: number, cwd: string | undefined): number;
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
    const faOpen = lib.func('int posix_spawn_file_actions_addopen(void *fa, int fd, const char *path, int oflag, unsigned int mode)') as (
      fa: Buffer,
      fd: number,
      path: string,
      oflag: number,
      mode: number,
    ) => number;
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
    const pid: [number] = [0];
    return {
      spawn(path, search, argv, envp, outW, errW, cwd) {
        if (cwd !== undefined && !faChdir) return -1;
        if (faInit(fa) !== 0) return -1;
        try {
          const r =
            faOpen(fa, 0, '/dev/null', O_RDONLY, 0) ||
            faDup2(fa, outW, 1) ||
            faDup2(fa, errW, 2) ||
            (cwd !== undefined && faChdir ? faChdir(fa, cwd) : 0) ||
            ((search ? posixSpawnp : posixSpawn)(pid, path, fa, attr, [...argv, null], [...envp, null]) as number);
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
}

/**
 * posix_spawn the command; null when this path does not apply or failed (the
 * caller then uses Node's spawn, which meets the same failure and describes it).
 * `spawned` follows on the next tick; `exited` when children.ts collects it.
 */
export function fastSpawn(req: FastSpawn, children: Children, role: ChildRole, events: ChildEvents): Child | null {
  const { file, args, env, cwd, pipes } = req;
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
  const envp: string[] = [];
  for (const k in env) envp.push(`${k}=${env[k]}`);
  children.listen();
  const pid = spawner.spawn(path, own, [file, ...args], envp, outW, errW, cwd);
  if (pid <= 0) return null;
  children.addOwnChild(pid, role, (code, signal) => events.exited(code, signal));
  const streams = pipes.adopt();
  const stdout = streams?.stdout ?? null;
  const stderr = streams?.stderr ?? null;
  process.nextTick(() => events.spawned(pid));
  return { pid, stdout, stderr, stdio: [null, stdout, stderr] };
}
