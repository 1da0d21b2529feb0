// What a spawn failure says. Both spawn paths report a failure as a
// Node-shaped error (code, errno, syscall, path naming the service's command,
// never node or the exec-as wrapper); describeSpawnError makes it a sentence.

import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** What the exec-as wrapper writes on its status pipe when it could not exec. */
export interface ExecAsFailure {
  code: string;
  errno: number;
  syscall: string;
  message: string;
}

/**
 * Node throws (instead of emitting 'error') for some spawn failures, e.g. a
 * working-dir that is a file (ENOTDIR): the same error as an 'error' event
 * would carry. Rethrows what is not a system error (a bug: a bad argument).
 */
export function thrownSpawnError(err: unknown, file: string, args: string[]): NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | null | undefined;
  if (!e || typeof e.errno !== 'number') throw err;
  e.message = `spawn ${file} ${e.code ?? ''}`.trim();
  e.path = file;
  (e as { spawnargs?: string[] }).spawnargs = args;
  return e;
}

/** An 'error' Node reported about the wrapper (a bad cwd): name the service's command instead. */
export function renameSpawnError(err: NodeJS.ErrnoException, file: string): NodeJS.ErrnoException {
  err.message = `spawn ${file} ${err.code ?? ''}`.trim();
  err.path = file;
  return err;
}

/** The wrapper's status-pipe report, as the error Node's own spawn would have given. */
export function wrapperError(text: string, file: string, args: string[]): NodeJS.ErrnoException {
  let f: Partial<ExecAsFailure>;
  try {
    f = JSON.parse(text) as ExecAsFailure;
  } catch {
    f = { code: 'UNKNOWN', message: text };
  }
  const code = f.code ?? 'UNKNOWN';
  const exec = f.syscall === 'execvp' || f.syscall === undefined;
  const err: NodeJS.ErrnoException & { spawnargs?: string[] } = new Error(exec ? `spawn ${file} ${code}` : `${f.syscall}: ${f.message ?? code}`);
  err.code = code;
  err.errno = f.errno === undefined ? undefined : -Math.abs(f.errno);
  err.syscall = exec ? `spawn ${file}` : f.syscall;
  err.path = file;
  err.spawnargs = args;
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

/**
 * A sentence for a spawn failure: "cannot execute 'foo': not found in PATH (ENOENT)",
 * "working-dir /x does not exist"…
 */
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
