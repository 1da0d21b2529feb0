// The OS port: everything the runtime (process driver, probes) asks of the
// operating system, as one narrow interface. runtime/ receives a ProcessHost
// by injection and never imports the rest of os/; the real one (host.ts) is
// wired only at the composition root (runtime/run.ts), and test/runtime/
// drives the runtime with a fake one and the fake clock — no real processes.
//
// A child's life as the port reports it, one call per arrow, never from
// inside spawn() itself (always on a later tick):
//
//   spawn() ──▶ spawned(pid) ──▶ exited(code, signal)
//      └──────▶ failed(err)        (nothing ran: exec failure, bad cwd…; no exited follows)
//
// `spawned` means the program itself runs (for the exec-as wrapper: it has
// exec'd), so a failure is always `failed`, never `spawned` then something.

import type { Readable } from 'node:stream';
import type { ResourceFigures, SelfFigures } from '../types.js';
import type { MainConsole } from './terminal.js';
import type { ResolvedUser } from './users.js';

export type { MainConsole } from './terminal.js';
export type { ResolvedUser } from './users.js';

/** An extra fd from 3 on: a pipe dinit reads, nothing, or one of dinit's own fds. */
type ExtraStdio = 'pipe' | 'ignore' | number;

export interface SpawnRequest {
  /** argv; command[0] is looked up in env.PATH when it has no '/'. */
  command: string[];
  /** The complete environment (nothing is inherited). */
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
   * What of dinit's own stdio the child gets (only `main` gets any; see
   * os/terminal.ts). Absent: stdin /dev/null, output through our pipes, a
   * session of its own.
   * 'stdin': dinit's stdin (e.g. piped by `docker run -i`), output still ours.
   * 'terminal': dinit's terminal as stdin, stdout and stderr, in dinit's
   * session (a session leader would lose the controlling terminal) as a new
   * process group that becomes the terminal's foreground group (the exec-as
   * wrapper does both before exec), so Ctrl-C, Ctrl-Z, job control and
   * SIGWINCH reach it as they would from a shell. Its stdout and stderr are
   * then null: nothing to read.
   */
  console?: MainConsole;
}

/**
 * Whose child it is. Both are spawned in their own session and reaped by the
 * host; the role only says which exits are a service's and which a probe's
 * (os/children.ts: everything else that exits is an orphan).
 */
export type ChildRole = 'service' | 'probe';

export interface ChildEvents {
  /** The program runs as `pid` (its own session and process group). */
  spawned(pid: number): void;
  /** Nothing ran (command not found, bad working-dir…): `err` is Node-shaped (code, errno, syscall, path). */
  failed(err: NodeJS.ErrnoException): void;
  /** The process (the session leader) ended. */
  exited(code: number | null, signal: NodeJS.Signals | null): void;
}

/**
 * A spawned child: its pid as soon as it is known (right after spawn() for a
 * started process, never for one that failed) and the read ends of its pipes.
 * `stdio` is laid out like ChildProcess.stdio: [null, stdout, stderr, fd 3…].
 */
export interface Child {
  readonly pid: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: readonly (Readable | null)[];
}

/** A process left in a session after its leader ended, named by pid and start time (pids get reused). */
export interface Leftover {
  readonly pid: number;
  readonly start: number;
}

export interface ProcessHost {
  /**
   * Start `req.command` in a session of its own, stdin /dev/null, stdout and
   * stderr on pipes (unless `req.console` says otherwise). Throws only for a caller's bug (an empty command);
   * every runtime failure arrives as `failed`.
   */
  spawn(req: SpawnRequest, role: ChildRole, events: ChildEvents): Child;
  /** Signal process group `pgid`; false when it is gone (or may not be signalled). */
  signalGroup(pgid: number, signal: NodeJS.Signals): boolean;
  /**
   * Signal process `pid` alone; false when it is gone (or may not be signalled).
   * For `stop-group: false`, and for a child that has no group of its own yet
   * (main with a terminal makes its group itself, after spawn).
   */
  signalPid(pid: number, signal: NodeJS.Signals): boolean;
  /** Signal the group led by `pid` and every other process of its session; how many targets were hit. */
  signalTree(pid: number, signal: NodeJS.Signals): number;
  /**
   * The leader `sid` has exited: send `signal` to what is left in its session
   * and return those processes (for a later killLeftovers). Must be called from
   * the exit callback, while a non-empty session still pins its id.
   */
  sweepSession(sid: number, signal: NodeJS.Signals): Leftover[];
  /** SIGKILL each leftover that is still the same process (not exited, pid not reused). */
  killLeftovers(left: readonly Leftover[]): void;
  /** A `user:` spec ("name", "uid", "name:group", "uid:gid") → ids, groups, home; throws DinitError when unknown. */
  resolveUser(spec: string): ResolvedUser;
  /** A sentence for a `failed` error: "cannot execute 'foo': not found in PATH (ENOENT)". */
  describeSpawnError(err: unknown, command: string | string[], cwd?: string): string;
  /** A `failed` that may not happen again (a process, fd or memory limit reached for a moment): worth a retry. */
  isTransientSpawnError(err: unknown): boolean;
  /** CPU and memory of each leader's group and session (services with no process are not asked). */
  sampleResources(leaders: number[]): Map<number, ResourceFigures>;
  /** dinit's own figures (the process_* metrics). */
  selfFigures(): SelfFigures;
}
