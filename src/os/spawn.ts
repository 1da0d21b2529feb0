// Spawning services. Every service gets its own session (detached: setsid), so
// it is its own process group: stopping it signals the whole group, and its
// terminal-less session is where its descendants stay unless they setsid again.
//
// Exec failures (command not found, not executable, bad working-dir) are NOT
// thrown: they arrive as the child's 'error' event, with no 'exit' event after
// it — the caller must listen for 'error' (describeSpawnError makes it a
// sentence). That holds for both paths below.
//
// Two paths. Direct: child_process.spawn with uid/gid (libuv drops every
// supplementary group). Wrapper: when supplementary groups or a umask are
// asked for, Node cannot do it, so we run `node exec-as.js`, which sets them
// and execvp()s the service in place — same pid, so the caller never knows.
// The wrapper reports an exec failure on a close-on-exec status pipe (EOF
// without data = the exec happened); we turn it into the same 'error' event
// and hold back the wrapper's 'exit' and 'close' until we know which it was.
//
// Every child spawned here is remembered until its 'exit', so the reaper can
// never waitpid() one of Node's own children (that would steal its status).
//
// Fast path (the common case: no user, groups, umask or extra fds): the
// service is started with posix_spawn(3) through koffi instead of Node's
// spawn. Node forks (copying the page tables of a ~50 MiB process, then
// waiting for the copy to exec), which costs about 1 ms per service on a small
// VM; posix_spawn uses vfork semantics (CLONE_VM|CLONE_VFORK) and costs a
// fraction of that, with the same result: own session (POSIX_SPAWN_SETSID),
// stdin /dev/null, our stdout/stderr pipes, every signal at its default and
// none blocked (Node ignores SIGPIPE; libuv resets it the same way), the
// given environment, working-dir. Its exit is collected here (SIGCHLD, then
// waitpid of that pid only) and the caller sees the same ChildProcess events
// in the same order: 'spawn' on the next tick, then 'exit' and 'close'.
// Anything unusual (the command not found in PATH by a plain lookup, an exec
// error, no koffi, a working-dir on a libc without
// posix_spawn_file_actions_addchdir_np) falls back to Node's spawn, so every
// error is reported exactly as before.

import { ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, readFileSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, type Readable } from 'node:stream';
import { DinitError } from '../errors.js';
import { decodeWaitStatus, libc, type Libc } from './libc.js';

export type ExtraStdio = 'pipe' | 'ignore' | number;

export interface SpawnServiceOptions {
  /** argv; command[0] is looked up in env.PATH when it has no '/'. */
  command: string[];
  /** The complete environment of the service (nothing is inherited). */
  env: Record<string, string>;
  cwd?: string;
  uid?: number;
  /** Defaults to uid when uid is given (never leave a service in root's group by accident). */
  gid?: number;
  /** Supplementary groups. Given → the exec-as wrapper; absent → none (libuv drops them when uid is set). */
  groups?: number[];
  /** Given → the exec-as wrapper. */
  umask?: number;
  /** Extra fds from 3 on (e.g. a readiness pipe). */
  extraStdio?: ExtraStdio[];
  /**
   * What of dinit's own stdio the service gets (only `main` gets any). Absent:
   * stdin /dev/null, output through our pipes, a session of its own.
   * 'stdin': dinit's stdin (e.g. piped by `docker run -i`), output still ours.
   * 'terminal': dinit's terminal as stdin, stdout and stderr, in dinit's
   * session (a session leader would lose the controlling terminal) as a new
   * process group that becomes the terminal's foreground group, so Ctrl-C,
   * Ctrl-Z, job control and SIGWINCH reach it as they would from a shell.
   */
  console?: 'stdin' | 'terminal';
}

/** What the exec-as wrapper receives (in $DINIT_EXEC_AS). */
export interface ExecAsSpec {
  command: string[];
  env: Record<string, string>;
  uid?: number;
  gid?: number;
  groups?: number[];
  umask?: number;
  /** fds 0..keepFds-1 are the service's; they must survive the exec. */
  keepFds: number;
  /** Close-on-exec pipe for reporting an exec failure. */
  statusFd: number;
  /** setpgid(0, 0) and tcsetpgrp(0, self) before exec (SpawnServiceOptions.console 'terminal'). */
  terminal?: boolean;
}

/** What the wrapper writes on the status pipe when it could not exec. */
export interface ExecAsFailure {
  code: string;
  errno: number;
  syscall: string;
  message: string;
}

const live = new Set<number>();

/** True while `pid` is a child spawned here that Node has not yet reported as exited. */
export function isSpawnedChild(pid: number): boolean {
  return live.has(pid);
}

/** Path of the compiled wrapper script (next to this module). */
export const execAsScript = fileURLToPath(new URL('./exec-as.js', import.meta.url));

export function spawnService(opts: SpawnServiceOptions): ChildProcess {
  const [file, ...args] = opts.command;
  if (file === undefined || file === '') throw new DinitError('INTERNAL', 'spawnService: empty command');
  const extra = opts.extraStdio ?? [];
  const gid = opts.gid ?? opts.uid;
  const terminal = opts.console === 'terminal';
  const needWrapper = opts.groups !== undefined || opts.umask !== undefined || terminal;
  const stdin = opts.console ? 'inherit' : 'ignore';
  const pipes = terminal ? inheritedOutput() : outputPipes();
  if (!needWrapper) {
    if (opts.uid === undefined && gid === undefined && extra.length === 0 && !opts.console) {
      const fast = fastSpawn(file, args, opts.env, opts.cwd, pipes);
      if (fast) return fast;
    }
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        env: opts.env,
        cwd: opts.cwd,
        uid: opts.uid,
        gid,
        detached: true,
        stdio: [stdin, ...pipes.stdio, ...extra] as StdioOptions,
      });
    } catch (err) {
      pipes.abandon();
      return failedChild(err, file, args, extra);
    }
    pipes.adopt(child);
    track(child, null);
    return child;
  }
  const keepFds = 3 + extra.length;
  const spec: ExecAsSpec = { command: opts.command, env: opts.env, keepFds, statusFd: keepFds };
  if (opts.uid !== undefined) spec.uid = opts.uid;
  if (gid !== undefined) spec.gid = gid;
  if (opts.groups !== undefined) spec.groups = opts.groups;
  if (opts.umask !== undefined) spec.umask = opts.umask;
  if (terminal) spec.terminal = true;
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [execAsScript], {
      env: { DINIT_EXEC_AS: JSON.stringify(spec) },
      cwd: opts.cwd,
      detached: !terminal,
      stdio: [stdin, ...pipes.stdio, ...extra, 'pipe'] as StdioOptions,
    });
  } catch (err) {
    pipes.abandon();
    return failedChild(err, file, args, extra);
  }
  pipes.adopt(child);
  // A spawn failure here (bad cwd) is already an 'error' about node; name the service's command instead.
  track(child, { file, args, statusFd: keepFds });
  return child;
}

interface OutputPipes {
  /** What to put at stdio[1] and stdio[2]. */
  stdio: [number, number] | ['pipe', 'pipe'] | ['inherit', 'inherit'];
  /** Our real pipes (write ends at stdio[1], stdio[2]); false for Node's socketpairs. */
  real: boolean;
  /** After spawn: close our copies of the write ends, give the child readable stdout/stderr. */
  adopt(child: ChildProcess): void;
  /** The spawn failed: close everything. */
  abandon(): void;
}

/**
 * A service's stdout/stderr are real pipes, not the socketpairs Node's 'pipe'
 * stdio creates: on Linux, open("/dev/stdout") fails with ENXIO when fd 1 is a
 * socket, and many programs do that (nginx's `error_log /dev/stderr`, shell
 * `echo x > /dev/stdout`). Falls back to Node's pipes if libc is unavailable.
 */
function outputPipes(): OutputPipes {
  let out: [number, number] | null = null;
  let err: [number, number] | null = null;
  try {
    out = libc().pipe();
    err = out ? libc().pipe() : null;
  } catch {
    /* no koffi: socketpairs it is */
  }
  if (!out || !err) {
    for (const fd of [...(out ?? []), ...(err ?? [])]) closeSync(fd);
    return { stdio: ['pipe', 'pipe'], real: false, adopt: () => undefined, abandon: () => undefined };
  }
  const [outR, outW] = out;
  const [errR, errW] = err;
  return {
    stdio: [outW, errW],
    real: true,
    adopt(child) {
      closeSync(outW);
      closeSync(errW);
      const stdout = new Socket({ fd: outR, readable: true, writable: false });
      const stderr = new Socket({ fd: errR, readable: true, writable: false });
      const stdio = [...child.stdio];
      stdio[1] = stdout;
      stdio[2] = stderr;
      Object.assign(child, { stdout, stderr, stdio });
    },
    abandon() {
      for (const fd of [outR, outW, errR, errW]) closeSync(fd);
    },
  };
}

/** dinit's own stdout and stderr (the terminal), passed through untouched: nothing to read. */
function inheritedOutput(): OutputPipes {
  return { stdio: ['inherit', 'inherit'], real: false, adopt: () => undefined, abandon: () => undefined };
}

/**
 * Node throws (instead of emitting 'error') for some spawn failures, e.g. a
 * working-dir that is a file (ENOTDIR). Keep one contract for callers: a
 * child that was never spawned, with ended streams, emitting 'error' then 'close'.
 */
function failedChild(err: unknown, file: string, args: string[], extra: ExtraStdio[]): ChildProcess {
  const e = err as NodeJS.ErrnoException | null | undefined;
  if (typeof e?.errno !== 'number') throw err; // a bug (bad argument), not a runtime failure
  e.message = `spawn ${file} ${e.code ?? ''}`.trim();
  e.path = file;
  (e as { spawnargs?: string[] }).spawnargs = args;
  const ended = (): PassThrough => new PassThrough().end();
  const child = new ChildProcess();
  const stdout = ended();
  const stderr = ended();
  Object.assign(child, { stdin: null, stdout, stderr, stdio: [null, stdout, stderr, ...extra.map((x) => (x === 'pipe' ? ended() : null))] });
  process.nextTick(() => {
    child.emit('error', e);
    child.emit('close', e.errno, null);
  });
  return child;
}

interface WrapperInfo {
  file: string;
  args: string[];
  statusFd: number;
}

/**
 * Remember the pid until 'exit'; for the wrapper, hold 'exit'/'close' until the status
 * pipe says whether the exec happened, and turn a failure into 'error'.
 */
function track(child: ChildProcess, wrapper: WrapperInfo | null): void {
  const pid = child.pid;
  if (pid !== undefined) live.add(pid);
  const emit = child.emit.bind(child) as (event: string | symbol, ...args: unknown[]) => boolean;
  let known = wrapper === null || pid === undefined; // do we know whether the exec happened?
  let failed = false;
  const held: unknown[][] = [];
  const patched = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'exit' && pid !== undefined) live.delete(pid);
    if (!known && (event === 'exit' || event === 'close')) {
      held.push([event, ...args]);
      return true;
    }
    if (failed && event === 'exit') return false;
    if (event === 'error' && wrapper !== null && pid === undefined) {
      const err = args[0] as NodeJS.ErrnoException;
      err.message = `spawn ${wrapper.file} ${err.code ?? ''}`.trim();
      err.path = wrapper.file;
    }
    return emit(event, ...args);
  };
  child.emit = patched as ChildProcess['emit'];
  if (known || wrapper === null) return;
  const status = child.stdio[wrapper.statusFd] as Readable | null | undefined;
  if (!status) {
    known = true;
    return;
  }
  const chunks: Buffer[] = [];
  status.on('data', (c: Buffer) => chunks.push(c));
  status.on('error', () => {});
  status.once('close', () => {
    known = true;
    const text = Buffer.concat(chunks).toString('utf8').trim();
    if (text.length > 0) {
      failed = true;
      emit('error', wrapperError(text, wrapper));
    }
    for (const h of held) patched(h[0] as string, ...h.slice(1));
  });
}

// ---- the posix_spawn fast path ---------------------------------------------

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

/** undefined: not tried yet; null: unavailable (Node's spawn it is). */
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
    const ok =
      attrInit(attr) === 0 &&
      attrSigdef(attr, all) === 0 &&
      attrSigmask(attr, none) === 0 &&
      attrFlags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) === 0;
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

/** The posix_spawn'd children whose exit we collect ourselves, by pid. */
const fastChildren = new Map<number, FastChild>();
let listening = false;
/** Keeps the event loop alive while a child runs, as Node's own child handle does. */
let keepAlive: NodeJS.Timeout | null = null;

function fastSpawn(file: string, args: string[], env: Record<string, string>, cwd: string | undefined, pipes: OutputPipes): ChildProcess | null {
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
  if (!listening) {
    listening = true;
    process.on('SIGCHLD', collectFastChildren);
  }
  const pid = spawner.spawn(path, own, [file, ...args], envp, outW, errW, cwd);
  if (pid <= 0) return null; // Node's spawn will meet the same failure and describe it
  live.add(pid);
  const child = new FastChild(pid, file, args);
  pipes.adopt(child as unknown as ChildProcess);
  child.watchStreams();
  fastChildren.set(pid, child);
  if (!keepAlive) keepAlive = setInterval(() => undefined, 2 ** 31 - 1);
  process.nextTick(() => child.emit('spawn'));
  return child as unknown as ChildProcess;
}

/** On SIGCHLD: waitpid(WNOHANG) each of our fast children (never "any child", which would steal Node's). */
function collectFastChildren(): void {
  if (fastChildren.size === 0) return;
  const c = libc();
  const status: [number] = [0];
  const ended: [FastChild, number | null, NodeJS.Signals | null][] = [];
  for (const [pid, child] of fastChildren) {
    let r = c.waitpid(pid, status, 1 /* WNOHANG */);
    while (r < 0 && c.errno() === 4 /* EINTR */) r = c.waitpid(pid, status, 1);
    if (r === 0) continue;
    fastChildren.delete(pid);
    live.delete(pid);
    // r < 0 (ECHILD): someone else reaped it; it is gone all the same, status unknown.
    const { code, signal } = r === pid ? decodeWaitStatus(status[0]) : { code: null, signal: null };
    ended.push([child, code, signal]);
  }
  if (fastChildren.size === 0 && keepAlive) {
    clearInterval(keepAlive);
    keepAlive = null;
  }
  // A listener that throws must not keep the others from hearing of their exit (as with Node's own
  // children, the error still surfaces as an uncaught exception).
  for (const [child, code, signal] of ended) {
    try {
      child.exited(code, signal);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

/**
 * What callers use of a ChildProcess, for a process Node did not spawn (a real
 * ChildProcess would carry an unused native handle, and kill() through it would
 * signal pid 0). The caller sees it as a ChildProcess.
 */
class FastChild extends EventEmitter {
  readonly stdin = null;
  stdout: Readable | null = null;
  stderr: Readable | null = null;
  stdio: (Readable | null)[] = [null, null, null];
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  killed = false;
  readonly connected = false;
  readonly spawnfile: string;
  readonly spawnargs: string[];

  constructor(
    readonly pid: number,
    file: string,
    args: string[],
  ) {
    super();
    this.spawnfile = file;
    this.spawnargs = [file, ...args];
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.exitCode !== null || this.signalCode !== null) return false;
    try {
      process.kill(this.pid, signal);
    } catch {
      return false;
    }
    this.killed = true;
    return true;
  }

  ref(): void {}
  unref(): void {}

  /** As Node's: 'close' once the process has exited and its stdout and stderr have closed. */
  private closesNeeded = 1;
  private closesGot = 0;

  watchStreams(): void {
    for (const s of [this.stdout, this.stderr]) {
      if (!s) continue;
      this.closesNeeded++;
      s.once('close', () => this.maybeClose());
    }
  }

  exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
    this.maybeClose();
  }

  private maybeClose(): void {
    if (++this.closesGot === this.closesNeeded) this.emit('close', this.exitCode, this.signalCode);
  }
}

function wrapperError(text: string, w: WrapperInfo): NodeJS.ErrnoException {
  let f: Partial<ExecAsFailure>;
  try {
    f = JSON.parse(text) as ExecAsFailure;
  } catch {
    f = { code: 'UNKNOWN', message: text };
  }
  const code = f.code ?? 'UNKNOWN';
  const err: NodeJS.ErrnoException & { spawnargs?: string[] } = new Error(
    f.syscall === 'execvp' || f.syscall === undefined ? `spawn ${w.file} ${code}` : `${f.syscall}: ${f.message ?? code}`,
  );
  err.code = code;
  err.errno = f.errno === undefined ? undefined : -Math.abs(f.errno);
  err.syscall = f.syscall === 'execvp' || f.syscall === undefined ? `spawn ${w.file}` : f.syscall;
  err.path = w.file;
  err.spawnargs = w.args;
  return err;
}

function isDir(path: string): boolean | null {
  try {
    return statSync(path).isDirectory();
  } catch {
    return null;
  }
}

/**
 * A spawn failure that may not happen again (process or fd limit reached for
 * a moment, memory short): the restart policy retries it. Anything else (not
 * found, not executable, bad working-dir, unknown user) is permanent.
 */
export function isTransientSpawnError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EAGAIN' || code === 'EMFILE' || code === 'ENFILE' || code === 'ENOMEM';
}

/**
 * A sentence for a spawn 'error': "cannot execute 'foo': not found in PATH (ENOENT)",
 * "working-dir /x does not exist"…
 */
const CAP_SETGID = 6n;
const CAP_SETUID = 7n;

/** This process's effective capabilities (CapEff of /proc/self/status); null if unreadable. */
function effectiveCaps(): bigint | null {
  try {
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return hex === undefined ? null : BigInt(`0x${hex}`);
  } catch {
    return null;
  }
}

/**
 * Why changing user or groups was refused: not root, or root without the
 * capabilities (`docker run --cap-drop ALL` keeps uid 0 but drops CAP_SETUID
 * and CAP_SETGID), which "needs root" would leave a root user puzzled by.
 */
export function permissionHint(uid: number, caps: bigint | null): string {
  if (uid !== 0) return `changing user or groups needs root (dinit runs as uid ${uid})`;
  if (caps === null) return 'changing user or groups needs CAP_SETUID and CAP_SETGID';
  const missing = [(caps >> CAP_SETUID) & 1n ? '' : 'CAP_SETUID', (caps >> CAP_SETGID) & 1n ? '' : 'CAP_SETGID'].filter(Boolean);
  if (missing.length === 0) return 'changing user or groups was refused (a security module or seccomp profile?)';
  return `dinit runs as root but lacks ${missing.join(' and ')} (e.g. docker run --cap-drop ALL): add --cap-add SETUID --cap-add SETGID`;
}

export function describeSpawnError(err: unknown, command: string | string[], cwd?: string): string {
  const e = err as NodeJS.ErrnoException | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const file = (Array.isArray(command) ? command[0] : command) ?? '';
  const what = `cannot execute '${file}'`;
  if (cwd !== undefined && (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES')) {
    const d = isDir(cwd);
    if (d === null && code === 'ENOENT') return `working-dir ${cwd} does not exist`;
    if (d === false) return `working-dir ${cwd} is not a directory`;
  }
  const target = file.includes('/') ? (isAbsolute(file) ? file : resolve(cwd ?? process.cwd(), file)) : null;
  switch (code) {
    case 'ENOENT':
      if (target === null) return `${what}: not found in PATH (ENOENT)`;
      if (isDir(target) === null) return `${what}: no such file (ENOENT)`;
      return `${what}: its interpreter (the #! line) was not found (ENOENT)`;
    case 'EACCES':
      if (target !== null && isDir(target) === true) return `${what}: it is a directory (EACCES)`;
      return `${what}: permission denied (EACCES)` + (cwd !== undefined ? ` — or working-dir ${cwd} is not accessible` : '');
    case 'ENOEXEC':
      return `${what}: not an executable format (ENOEXEC); scripts need a #! line`;
    case 'ENOTDIR':
      return `${what}: a path component is not a directory (ENOTDIR)`;
    case 'E2BIG':
      return `${what}: argument list or environment too large (E2BIG)`;
    case 'EPERM':
      return `${what}: operation not permitted (EPERM) — ${permissionHint(process.getuid?.() ?? 0, effectiveCaps())}`;
    case 'EAGAIN':
    case 'EMFILE':
    case 'ENFILE':
    case 'ENOMEM':
      return `${what}: out of resources for now (${code}), a transient failure`;
    default:
      return `${what}: ${e?.message ?? String(err)}`;
  }
}
