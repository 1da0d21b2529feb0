// Resource limits: dinit's own RLIMIT_NOFILE, and the limits a service starts with.
//
// Node raises its soft RLIMIT_NOFILE to the hard limit before any of our code
// runs (as init systems do for themselves: dinit needs fds for clients, pipes
// and log files). The soft limit the container started with is gone by then,
// so a service gets the one every Linux process starts with and systemd gives
// each service: 1024 (the most select() can handle), at most the hard limit —
// unless its `limits: {nofile: …}` says otherwise.
//
// How a service gets that: with the exec-as wrapper, the wrapper sets it in
// the child (resolveLimits lists nofile always). Else a spawn (posix_spawn and
// Node's spawn alike) is synchronous up to the child's exec (vfork semantics,
// or libuv's wait on its exec pipe), and a child inherits the limits of the
// thread that spawns it. So dinit lowers its own soft limit right before the
// call that creates the child and raises it again right after (a soft limit
// can always go back up to the hard one). No fd may be made in that window
// above the lowered limit: the service's pipes are made before it (spawn.ts),
// and once dinit holds ~768 fds it keeps the ones it holds for long at 1024
// and above (pipe-fds.ts moveHigh), so the few made inside (libuv's
// exec-status pipe, musl's posix_spawn pipe) and by a libuv pool thread
// meanwhile find a number below.
//
// A service's own `limits:`, `nice` and `oom-score-adj` are applied by the
// exec-as wrapper in the child, right before exec (see exec-as.ts): per
// process, so nothing of dinit changes, a hard limit can be lowered without
// privilege, and a refused change (raising a hard limit without
// CAP_SYS_RESOURCE) is that service's start failure alone.

import { libc } from './libc.js';

/** Linux resource numbers (the generic ones: x86, arm, riscv, ppc, s390; not mips/sparc/alpha). */
const RLIMIT_RESOURCES = { cpu: 0, fsize: 1, stack: 3, core: 4, nproc: 6, nofile: 7, memlock: 8, as: 9 } as const;
export type RlimitResource = keyof typeof RLIMIT_RESOURCES;

const RLIM_INFINITY = 0xffffffffffffffffn;
/** The soft RLIMIT_NOFILE a service starts with when its config does not say. */
export const SERVICE_NOFILE_DEFAULT = 1024;
const SERVICE_NOFILE = BigInt(SERVICE_NOFILE_DEFAULT);

interface Limit {
  soft: bigint;
  hard: bigint;
}

interface Calls {
  prlimit(pid: number, resource: number, next: BigUint64Array | null, old: BigUint64Array | null): number;
  buf: BigUint64Array;
}

let calls: Calls | null | undefined;

function bindCalls(): Calls | null {
  if (calls !== undefined) return calls;
  try {
    const c = libc();
    const lib = c.koffi.load(c.path); // the same handle again (dlopen counts references)
    const prlimit = lib.func('int prlimit(int pid, int resource, const uint64_t *next, uint64_t *old)');
    calls = { prlimit: (pid, resource, next, old) => prlimit(pid, resource, next, old) as number, buf: new BigUint64Array(2) };
  } catch {
    calls = null; // no koffi: services inherit what Node left (the raised limit)
  }
  return calls;
}

/** This process's limit, or null without koffi. */
function getLimit(resource: number): Limit | null {
  const c = bindCalls();
  if (!c || c.prlimit(0, resource, null, c.buf) !== 0) return null;
  return { soft: c.buf[0] as bigint, hard: c.buf[1] as bigint };
}

/** Set this process's limit: 0, or the errno. */
function setLimit(resource: number, limit: Limit): number {
  const c = bindCalls();
  if (!c) return 38; // ENOSYS
  const next = new BigUint64Array([limit.soft, limit.hard]);
  return c.prlimit(0, resource, next, null) === 0 ? 0 : libc().errno();
}

/** What a limit looks like in a message. */
function showLimit(v: bigint): string {
  return v === RLIM_INFINITY ? 'unlimited' : String(v);
}

/** A config value as the kernel's number. */
function toRlim(v: number | 'unlimited'): bigint {
  return v === 'unlimited' ? RLIM_INFINITY : BigInt(v);
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * Run a synchronous spawn with dinit's soft RLIMIT_NOFILE lowered to what a
 * service starts with, then put it back.
 */
export function withServiceNofile<T>(spawn: () => T): T {
  const own = getLimit(RLIMIT_RESOURCES.nofile);
  const want = own ? min(own.hard, SERVICE_NOFILE) : null;
  if (!own || want === null || want >= own.soft) return spawn();
  setLimit(RLIMIT_RESOURCES.nofile, { soft: want, hard: own.hard });
  try {
    return spawn();
  } finally {
    setLimit(RLIMIT_RESOURCES.nofile, own);
  }
}

/** A limit as configured: what is left out keeps dinit's own (nofile's soft: the service default). */
export interface WantedLimit {
  soft?: number | 'unlimited';
  hard?: number | 'unlimited';
}

/** What the exec-as wrapper sets, one resource each (decimal strings: JSON has no 64-bit integers). */
export interface ResolvedLimit {
  name: RlimitResource;
  resource: number;
  soft: string;
  hard: string;
}

/**
 * The exact limits a service's process gets, from its config and dinit's own
 * limits. nofile is always in the list: the wrapper is a Node process, and
 * Node raises its soft limit again.
 */
export function resolveLimits(wanted: Partial<Record<RlimitResource, WantedLimit>>): ResolvedLimit[] {
  const out: ResolvedLimit[] = [];
  const names = Object.keys(wanted) as RlimitResource[];
  if (!names.includes('nofile')) names.push('nofile');
  for (const name of names) {
    const resource = RLIMIT_RESOURCES[name];
    const own = getLimit(resource);
    if (!own) continue;
    const w = wanted[name] ?? {};
    const hard = w.hard !== undefined ? toRlim(w.hard) : own.hard;
    const soft = w.soft !== undefined ? toRlim(w.soft) : min(name === 'nofile' ? SERVICE_NOFILE : own.soft, hard);
    out.push({ name, resource, soft: String(soft), hard: String(hard) });
  }
  return out;
}

/**
 * Apply resolved limits to this process (the exec-as wrapper, before exec):
 * null, or a sentence saying which limit was refused and why.
 */
export function applyLimits(limits: ResolvedLimit[]): { errno: number; message: string } | null {
  for (const l of limits) {
    const want: Limit = { soft: BigInt(l.soft), hard: BigInt(l.hard) };
    const errno = setLimit(l.resource, want);
    if (errno === 0) continue;
    const own = getLimit(l.resource);
    const raising = errno === 1 && own !== null && want.hard > own.hard;
    const why = !raising
      ? `cannot set limit ${l.name} to ${showLimit(want.soft)}:${showLimit(want.hard)} (errno ${errno})`
      : process.getuid?.() === 0
        ? `the hard limit of ${l.name} cannot be raised to ${showLimit(want.hard)}: above the kernel's maximum${l.name === 'nofile' ? ' (/proc/sys/fs/nr_open)' : ''}`
        : `raising the hard limit of ${l.name} from ${showLimit(own.hard)} to ${showLimit(want.hard)} needs root (CAP_SYS_RESOURCE)`;
    return { errno, message: why };
  }
  return null;
}
