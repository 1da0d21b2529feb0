// Creating a directory and its missing parents (`mkdir -p`), one level at a
// time, for every directory dinit makes (the control socket's, a log file's).
//
// Not mkdir(path, { recursive: true }): on Node 20 (18 and 22 alike) it never
// returns for a path whose existing parent refuses new entries with ENOENT —
// anything under /proc (procfs answers ENOENT, not EPERM), a broken symbolic
// link in the way — because it reads ENOENT as "the parent is missing", makes
// the parent (EEXIST: fine) and tries the child again, forever, at full CPU.
// The sync form freezes the event loop (PID 1 then handles no signal: SIGTERM
// is lost); the async form spins a libuv pool thread, and exit waits for it.
//
// Here the walk goes up with stat to the deepest ancestor that exists (at most
// one stat per path component), then down with one plain mkdir per missing
// level; nothing is ever retried, so the walk ends after at most two calls
// per component. The first failure ends it with a MakeDirError whose message
// starts with the errno name (like Node's own errors) and names the directory.
//
// The walk is written once, as a generator of the filesystem calls it needs;
// makeDirsSync and makeDirs only carry those calls out, synchronously or not.

import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { getSystemErrorMap } from 'node:util';

export class MakeDirError extends Error {
  constructor(
    message: string,
    /** The errno name: ENOENT, EACCES, ENOTDIR… */
    readonly code: string,
    /** The directory that could not be made or used. */
    readonly path: string,
  ) {
    super(message);
    this.name = 'MakeDirError';
  }
}

type Call = { op: 'stat'; path: string } | { op: 'mkdir'; path: string; mode: number };
/** What a call did: failed with an errno (code, and its description), or succeeded (stat: whether a directory is there). */
type Outcome = { code: string; text: string } | { code: null; isDir: boolean };

function* walk(target: string, mode: number): Generator<Call, void, Outcome> {
  const missing: string[] = [];
  // Up: each step is a strictly shorter path, until one exists (the root always does).
  for (let at = resolve(target); ;) {
    const r = yield { op: 'stat', path: at };
    if (r.code === null) {
      if (!r.isDir) throw new MakeDirError(`ENOTDIR: ${at} is not a directory`, 'ENOTDIR', at);
      break;
    }
    if (r.code !== 'ENOENT' && r.code !== 'ENOTDIR') throw new MakeDirError(`${r.code}: cannot look up ${at} (${r.text})`, r.code, at);
    const up = dirname(at);
    if (up === at) throw new MakeDirError(`${r.code}: cannot look up ${at} (${r.text})`, r.code, at);
    missing.push(at);
    at = up;
  }
  // Down: one mkdir per missing level, each tried once.
  for (let i = missing.length - 1; i >= 0; i--) {
    const dir = missing[i] as string;
    const r = yield { op: 'mkdir', path: dir, mode };
    if (r.code === null) continue;
    if (r.code === 'EEXIST') {
      // Made meanwhile by someone else: fine if it is a directory.
      const s = yield { op: 'stat', path: dir };
      if (s.code === null && s.isDir) continue;
      throw new MakeDirError(`EEXIST: cannot create directory ${dir} (something is there that is not a directory: a file, or a broken symbolic link)`, 'EEXIST', dir);
    }
    // ENOENT although the parent is there: "no such file or directory" would mislead.
    const why = r.code === 'ENOENT' ? `${dirname(dir)} takes no new entries: a virtual file system like /proc or /sys, or a broken symbolic link` : r.text;
    throw new MakeDirError(`${r.code}: cannot create directory ${dir} (${why})`, r.code, dir);
  }
}

const MADE: Outcome = { code: null, isDir: true };

function failure(err: unknown): Outcome {
  const e = err as NodeJS.ErrnoException | null;
  if (typeof e?.code !== 'string') throw err; // not a system error: a bug, not an outcome
  const text = typeof e.errno === 'number' ? getSystemErrorMap().get(e.errno)?.[1] : undefined;
  return { code: e.code, text: text ?? e.code };
}

/**
 * Make `path` and its missing parents, each with `mode` (before the umask),
 * like `mkdir -p`, without ever looping. Throws MakeDirError.
 */
export function makeDirsSync(path: string, mode = 0o777): void {
  const steps = walk(path, mode);
  for (let step = steps.next(); !step.done;) {
    const call = step.value;
    let outcome: Outcome;
    try {
      if (call.op === 'stat') outcome = { code: null, isDir: statSync(call.path).isDirectory() };
      else {
        mkdirSync(call.path, call.mode);
        outcome = MADE;
      }
    } catch (err) {
      outcome = failure(err);
    }
    step = steps.next(outcome);
  }
}

/** makeDirsSync off the event loop (each call on libuv's pool). */
export async function makeDirs(path: string, mode = 0o777): Promise<void> {
  const steps = walk(path, mode);
  for (let step = steps.next(); !step.done;) {
    const call = step.value;
    let outcome: Outcome;
    try {
      if (call.op === 'stat') outcome = { code: null, isDir: (await stat(call.path)).isDirectory() };
      else {
        await mkdir(call.path, call.mode);
        outcome = MADE;
      }
    } catch (err) {
      outcome = failure(err);
    }
    step = steps.next(outcome);
  }
}
