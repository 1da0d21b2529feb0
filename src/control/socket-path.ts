// Where the control socket is, for the supervisor and the client alike: one
// list of places in one order, and one rule for which socket can be trusted.
//
// Places: `--socket` or $DINIT_SOCKET alone when given; else
//   1. /run/dinit.sock (root), /run/dinit-$UID/dinit.sock (others)
//   2. $XDG_RUNTIME_DIR/dinit.sock, when set
//   3. /tmp/dinit-$UID/dinit.sock
//   4. /dev/shm/dinit-$UID/dinit.sock
// The supervisor binds the first place it can (a read-only root, `--read-only
// --tmpfs /run`, a non-root user without write access to /run all leave one),
// and says which; the client connects to the first place holding a socket, so
// `docker exec CTR dinit status` works with no environment.
//
// Trust: /tmp and /dev/shm are world-writable, so another local user could
// create a socket (or the dinit-$UID directory) first and answer `dinit health`
// with `ok`. A socket is trusted only if it and its directory are owned by the
// current user or root, and the directory is not writable by others unless
// sticky. The client refuses an untrusted socket with a clear message; the
// supervisor never binds in a directory it does not trust and never replaces
// a socket it does not own (socket-file.ts).

import { lstatSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { DinitError } from '../errors.js';

export interface SocketPlace {
  path: string;
  /** A per-user directory (/tmp/dinit-$UID…) that dinit creates 0700 and must own. */
  privateDir?: string;
  /** Given with --socket or $DINIT_SOCKET: the only place. */
  explicit?: boolean;
}

function privatePlace(base: string, uid: number): SocketPlace {
  const dir = join(base, `dinit-${uid}`);
  return { path: join(dir, 'dinit.sock'), privateDir: dir };
}

/** The places, in lookup order (see the header). */
export function socketPlaces(explicit: string | undefined, env: NodeJS.ProcessEnv, uid: number | undefined): SocketPlace[] {
  const given = explicit || env.DINIT_SOCKET;
  if (given) return [{ path: given, explicit: true }];
  const id = uid ?? 0;
  const places: SocketPlace[] = [id === 0 ? { path: '/run/dinit.sock' } : privatePlace('/run', id)];
  if (env.XDG_RUNTIME_DIR) places.push({ path: join(env.XDG_RUNTIME_DIR, 'dinit.sock') });
  places.push(privatePlace('/tmp', id), privatePlace('/dev/shm', id));
  return places;
}

const ownedOk = (owner: number, uid: number): boolean => owner === uid || owner === 0;

/** Why a directory cannot hold our socket (null: it can). */
export function distrustDir(dir: string, uid: number): string | null {
  const d = statSync(dir);
  if (!d.isDirectory()) return `${dir} is not a directory`;
  if (!ownedOk(d.uid, uid)) return `its directory ${dir} is owned by uid ${d.uid}, not by you (uid ${uid}) or root`;
  if ((d.mode & 0o002) !== 0 && (d.mode & 0o1000) === 0) return `its directory ${dir} is writable by anyone`;
  return null;
}

/** Why an existing socket (st: its lstat) is not to be trusted as our supervisor's (null: it is). */
function distrustSocket(path: string, st: Stats, uid: number): string | null {
  if (!ownedOk(st.uid, uid)) return `it is owned by uid ${st.uid}, not by you (uid ${uid}) or root`;
  return distrustDir(dirname(path), uid);
}

/**
 * The socket a client connects to: the first place holding a trusted socket.
 * An untrusted one is never asked (another user may have planted it): it is
 * passed over, and if no trusted socket is found the refusal is the error
 * (UNREACHABLE, naming the owner). With nothing anywhere, the first place
 * (the "is it running?" message names it).
 */
export function findSocket(explicit: string | undefined, env: NodeJS.ProcessEnv, uid: number | undefined): string {
  const places = socketPlaces(explicit, env, uid);
  const id = uid ?? 0;
  let refused: DinitError | null = null;
  for (const p of places) {
    // One lstat answers both "is a socket there?" and "whose is it?" (a missing place is no exception: most are).
    let st: Stats | undefined;
    try {
      st = lstatSync(p.path, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (!st?.isSocket()) continue;
    let why: string | null;
    try {
      why = distrustSocket(p.path, st, id);
    } catch (err) {
      why = (err as Error).message;
    }
    if (why === null) return p.path;
    refused ??= new DinitError('UNREACHABLE', `refusing the control socket ${p.path}: ${why} — it may be another user's impostor; pass --socket PATH of a socket you or root own`, { path: p.path });
  }
  if (refused) throw refused;
  return (places[0] as SocketPlace).path;
}
