// The few libc calls Node does not expose, through koffi (FFI with prebuilt
// binaries for glibc and musl; no compiler, no install script).
//
// Why these: waitpid(pid, WNOHANG) reaps orphans reparented to us (Node only
// waits for children it spawned itself); prctl(PR_SET_CHILD_SUBREAPER) makes
// orphans come to us when we are not PID 1; execvp/fcntl/signal/sigprocmask
// let the exec-as wrapper replace itself with the service after setting
// supplementary groups and umask (Node's spawn can do neither).
//
// Lazy on purpose: every `dinit status` imports this module graph, so neither
// koffi nor libc is loaded until a function is first called. libc is found by
// name, musl first when its loader exists (Alpine may also carry a glibc
// compatibility libc.so.6), then glibc's soname.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as KoffiNs from 'koffi';
import { DinitError } from '../errors.js';
import { parseSignal } from '../units.js';

type Koffi = typeof KoffiNs;

export interface Libc {
  koffi: Koffi;
  /** Which library was loaded (for messages). */
  path: string;
  waitpid(pid: number, status: [number], options: number): number;
  prctl(option: number, arg2: number): number;
  getpid(): number;
  execvp(file: string, argv: (string | null)[]): number;
  fcntlGet(fd: number, cmd: number): number;
  fcntlSet(fd: number, cmd: number, arg: number): number;
  /** Set a signal's disposition to default (SIG_DFL). */
  signalDefault(sig: number): void;
  /** Unblock every signal in the calling thread. */
  unblockAllSignals(): number;
  /** Block one signal in the calling thread (SIG_BLOCK). */
  blockSignal(sig: number): number;
  setpgid(pid: number, pgid: number): number;
  getpgrp(): number;
  /** The foreground process group of the terminal on `fd`, or -1 (not a terminal: ENOTTY). */
  tcgetpgrp(fd: number): number;
  tcsetpgrp(fd: number, pgid: number): number;
  errno(): number;
  /** pipe2(O_CLOEXEC): [read end, write end], or null on failure. */
  pipe(): [number, number] | null;
  /** _exit(2): end the process now, without Node's teardown. */
  exitNow(code: number): never;
}

const WNOHANG = 1;
export const PR_SET_CHILD_SUBREAPER = 36;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const FD_CLOEXEC = 1;
/** O_NONBLOCK on x86_64, aarch64, arm, riscv64, ppc64le, s390x (not alpha/mips/sparc). */
export const O_NONBLOCK = 0o4000;
const SIG_BLOCK = 0;
const SIG_SETMASK = 2;
/** O_CLOEXEC on Linux (generic value; alpha/sparc/parisc differ). */
const O_CLOEXEC = 0o2000000;

const MUSL_ARCH: Record<string, string> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  arm: 'armhf',
  ia32: 'i386',
  riscv64: 'riscv64',
  ppc64: 'powerpc64le',
  s390x: 's390x',
  loong64: 'loongarch64',
};

/** Candidate libc names in the order we try them. */
export function libcCandidates(arch: string = process.arch): string[] {
  const m = MUSL_ARCH[arch] ?? arch;
  const musl = [`/lib/ld-musl-${m}.so.1`, `libc.musl-${m}.so.1`];
  const glibc = ['libc.so.6'];
  return existsSync(`/lib/ld-musl-${m}.so.1`) ? [...musl, ...glibc] : [...glibc, ...musl];
}

let cached: Libc | undefined;

/** Load koffi and libc on first use; throws DinitError('INTERNAL') if neither works. */
export function libc(): Libc {
  if (cached) return cached;
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
  } catch (err) {
    throw new DinitError('INTERNAL', `cannot load koffi (needed to reap orphaned processes): ${(err as Error).message}`, { platform: `${process.platform}-${process.arch}` }, err);
  }
  const tried: string[] = [];
  for (const name of libcCandidates()) {
    let lib: KoffiNs.LibraryHandle;
    try {
      lib = koffi.load(name);
    } catch (err) {
      tried.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    cached = bind(koffi, lib, name);
    return cached;
  }
  throw new DinitError('INTERNAL', `cannot load the C library (tried ${tried.join('; ')})`, { tried });
}

function bind(koffi: Koffi, lib: KoffiNs.LibraryHandle, path: string): Libc {
  const waitpid = lib.func('int waitpid(int pid, _Out_ int *status, int options)');
  // prctl and fcntl are variadic in C: declare them so, and type each extra argument.
  const prctl = lib.func('int prctl(int option, ...)');
  const fcntl = lib.func('int fcntl(int fd, int cmd, ...)');
  const getpid = lib.func('int getpid()');
  const execvp = lib.func('int execvp(const char *file, const char **argv)');
  const signal = lib.func('void *signal(int sig, void *handler)');
  const sigprocmask = lib.func('int sigprocmask(int how, const uint8_t *set, uint8_t *old)');
  const pipe2 = lib.func('int pipe2(_Out_ int *fds, int flags)');
  const exit = lib.func('void _exit(int status)');
  const setpgid = lib.func('int setpgid(int pid, int pgid)');
  const getpgrp = lib.func('int getpgrp()');
  const tcgetpgrp = lib.func('int tcgetpgrp(int fd)');
  const tcsetpgrp = lib.func('int tcsetpgrp(int fd, int pgid)');
  const ul = 'unsigned long';
  return {
    koffi,
    path,
    waitpid: (pid, status, options) => waitpid(pid, status, options) as number,
    prctl: (option, arg2) => prctl(option, ul, arg2, ul, 0, ul, 0, ul, 0) as number,
    getpid: () => getpid() as number,
    execvp: (file, argv) => execvp(file, argv) as number,
    fcntlGet: (fd, cmd) => fcntl(fd, cmd) as number,
    fcntlSet: (fd, cmd, arg) => fcntl(fd, cmd, 'int', arg) as number,
    signalDefault: (sig) => {
      signal(sig, null);
    },
    // sigset_t is 128 bytes on Linux (glibc and musl); all zero = nothing blocked.
    unblockAllSignals: () => sigprocmask(SIG_SETMASK, Buffer.alloc(128), null) as number,
    blockSignal: (sig) => {
      // Signal n is bit n-1 of the set (glibc and musl, little-endian words).
      const set = Buffer.alloc(128);
      set[(sig - 1) >> 3] = 1 << ((sig - 1) & 7);
      return sigprocmask(SIG_BLOCK, set, null) as number;
    },
    setpgid: (pid, pgid) => setpgid(pid, pgid) as number,
    getpgrp: () => getpgrp() as number,
    tcgetpgrp: (fd) => tcgetpgrp(fd) as number,
    tcsetpgrp: (fd, pgid) => tcsetpgrp(fd, pgid) as number,
    errno: () => koffi.errno(),
    pipe: () => {
      const fds = new Int32Array(2);
      return pipe2(fds, O_CLOEXEC) === 0 ? [fds[0] as number, fds[1] as number] : null;
    },
    exitNow: (code) => {
      exit(code);
      throw new Error('unreachable: _exit returned');
    },
  };
}

/**
 * The supervisor's last step, once everything it wrote is flushed: _exit(2)
 * skips Node's teardown (exit hooks, V8 and its platform threads), 1.5-3 ms a
 * container stop would wait for (measured, issue 17). Under coverage
 * (NODE_V8_COVERAGE) or a profiler (--cpu-prof, --heap-prof, --prof: all
 * written by Node at its own exit) and when libc cannot be loaded,
 * process.exit as ever.
 */
export function exitAtOnce(code: number): never {
  const profiling = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].some((a) => /--(cpu-prof|heap-prof|prof)\b/.test(a));
  if (!process.env['NODE_V8_COVERAGE'] && !profiling) {
    let c: Libc | null = null;
    try {
      c = libc();
    } catch {
      /* no koffi or libc: Node's own exit */
    }
    c?.exitNow(code);
  }
  return process.exit(code);
}

/** How a waited-for process ended. */
export interface WaitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Signal number when killed by one (also set when the name is unknown). */
  signo: number | null;
}

/** Decode a raw wait status (WIFEXITED/WEXITSTATUS/WIFSIGNALED/WTERMSIG). */
export function decodeWaitStatus(status: number): WaitStatus {
  const low = status & 0x7f;
  if (low === 0) return { code: (status >> 8) & 0xff, signal: null, signo: null };
  if (low !== 0x7f) return { code: null, signal: parseSignal(low) ?? null, signo: low };
  // Stopped/continued: only reported with WUNTRACED/WCONTINUED, which we never pass.
  return { code: null, signal: null, signo: null };
}

/**
 * - exited:    it was a zombie and is now reaped;
 * - running:   our child, still alive;
 * - not-child: not (or no longer) our child (ECHILD) — someone else reaped it.
 */
export type WaitResult = ({ kind: 'exited' } & WaitStatus) | { kind: 'running' } | { kind: 'not-child' };

const EINTR = 4;
const ECHILD = 10;

/** waitpid(pid, WNOHANG) for one specific pid. Never waits for "any child". */
export function waitNoHang(pid: number): WaitResult {
  if (!Number.isInteger(pid) || pid <= 0) throw new DinitError('INTERNAL', `waitNoHang: refusing pid ${pid}`);
  const c = libc();
  const status: [number] = [0];
  for (;;) {
    const r = c.waitpid(pid, status, WNOHANG);
    if (r === pid) return { kind: 'exited', ...decodeWaitStatus(status[0]) };
    if (r === 0) return { kind: 'running' };
    const e = c.errno();
    if (e === EINTR) continue;
    if (e === ECHILD) return { kind: 'not-child' };
    throw new DinitError('INTERNAL', `waitpid(${pid}) failed with errno ${e}`, { pid, errno: e });
  }
}

// ---- Reaping by peeking (reaper.ts) -----------------------------------------
// waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT) names a child that has exited without
// reaping it, so the reaper learns of a zombie with one system call instead of
// a /proc scan, and can leave it alone when it is one of Node's own. Both calls
// below are synchronous koffi calls on the main thread (never the threadpool)
// writing into preallocated Int32Arrays, so a reaping loop allocates nothing.

const WEXITED = 4;
const WNOWAIT = 0x01000000;
const P_ALL = 0;

interface ReapCalls {
  waitid: (idtype: number, id: number, info: Int32Array, options: number) => number;
  waitpid: (pid: number, status: Int32Array, options: number) => number;
  /** siginfo_t is 128 bytes on Linux. */
  info: Int32Array;
  /** Index of si_pid in `info`: the union after three ints is pointer-aligned (byte 16 on 64-bit, 12 on 32-bit). */
  pidAt: number;
  status: Int32Array;
}

let reapCalls: ReapCalls | undefined;

function bindReapCalls(): ReapCalls {
  if (reapCalls) return reapCalls;
  const c = libc();
  const lib = c.koffi.load(c.path); // the same handle again (dlopen counts references)
  const waitid = lib.func('int waitid(int idtype, uint32_t id, int *info, int options)');
  const waitpid = lib.func('int waitpid(int pid, int *status, int options)');
  reapCalls = {
    waitid: (idtype, id, info, options) => waitid(idtype, id, info, options) as number,
    waitpid: (pid, status, options) => waitpid(pid, status, options) as number,
    info: new Int32Array(32),
    pidAt: c.koffi.sizeof('void *') === 8 ? 4 : 3,
    status: new Int32Array(1),
  };
  return reapCalls;
}

/**
 * The pid of a child that has exited and is waiting to be reaped, WITHOUT
 * reaping it (it stays a zombie, so its status is still there for whoever owns
 * it); 0 when no child has exited (or there are no children at all).
 */
export function peekExited(): number {
  const r = bindReapCalls();
  for (;;) {
    r.info[r.pidAt] = 0; // Linux zeroes it on "none waitable", POSIX does not promise to
    if (r.waitid(P_ALL, 0, r.info, WEXITED | WNOHANG | WNOWAIT) === 0) return r.info[r.pidAt] as number;
    const e = libc().errno();
    if (e === EINTR) continue;
    if (e === ECHILD) return 0;
    throw new DinitError('INTERNAL', `waitid(P_ALL) failed with errno ${e}`, { errno: e });
  }
}

/** What reapIfExited did: reaped it, left it running, or it is not (or no longer) our child (ECHILD). */
export type Reaped = 'exited' | 'running' | 'not-child';

/**
 * waitpid(pid, WNOHANG) for one specific pid, like waitNoHang, but the status
 * is dropped (an orphan's means nothing to us) and nothing is allocated: the
 * reaper calls this once per zombie.
 */
export function reapIfExited(pid: number): Reaped {
  if (!Number.isInteger(pid) || pid <= 0) throw new DinitError('INTERNAL', `reapIfExited: refusing pid ${pid}`);
  const r = bindReapCalls();
  for (;;) {
    const got = r.waitpid(pid, r.status, WNOHANG);
    if (got === pid) return 'exited';
    if (got === 0) return 'running';
    const e = libc().errno();
    if (e === EINTR) continue;
    if (e === ECHILD) return 'not-child';
    throw new DinitError('INTERNAL', `waitpid(${pid}) failed with errno ${e}`, { pid, errno: e });
  }
}
// ---- end of reaping by peeking ----------------------------------------------
