// The systemd notify protocol's receiving end: an AF_UNIX SOCK_DGRAM socket a
// service finds in $NOTIFY_SOCKET and sends `READY=1`, `STATUS=…` datagrams to.
//
// Node cannot open unix datagram sockets (dgram is UDP only, and libuv refuses
// to wrap a foreign AF_UNIX/SOCK_DGRAM fd), so the socket is made with libc
// calls through koffi. Waiting must not block the event loop, and a blocking
// recv() per socket would pin one libuv threadpool thread per starting service
// (4 by default — enough notify services would starve fs and dns). So one hub
// serves every open socket: a single poll() over all of them plus an eventfd,
// run as one koffi async call in the threadpool. When it returns, the main
// thread drains the readable sockets with non-blocking recv() and re-arms.
// Opening or closing a socket writes the eventfd so the pending poll() returns
// and is re-armed with the new set; fds are closed only once no poll() can
// still be looking at them (so a reused fd number is never watched by mistake).
// While no socket is open no call is pending, so the event loop can exit.
//
// Addresses: abstract by default (`@dinit-notify/<pid>/<random>`): no file to
// clean up, works on a read-only root filesystem and for services that run as
// another user. A path can be asked for instead; it is unlinked on close.

import { unlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import type * as KoffiNs from 'koffi';
import type { TypeObject } from 'koffi';
import { errnoName } from './errno.js';
import { libc as loadCLibrary } from './libc.js';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000; // same value on every Linux architecture Node ships for
const SOCK_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;
const POLLIN = 0x1;
const POLLNVAL = 0x20;
const SUN_PATH_MAX = 108;
const MAX_DATAGRAM = 64 * 1024;
const LE = endianness() === 'LE';
/** Datagrams kept while nobody listens yet; a flood beyond this is dropped. */
const MAX_PENDING = 64;
/** After a failed poll(), wait this long before polling again (never spin). */
const RETRY_MS = 100;

/** A libc function as koffi returns it: callable, or `.async(...args, cb)` in the threadpool. */
interface CFunc {
  (...args: unknown[]): unknown;
  async(...args: unknown[]): void;
}

interface Libc {
  socket: CFunc;
  bind: CFunc;
  recv: CFunc;
  close: CFunc;
  eventfd: CFunc;
  read: CFunc;
  write: CFunc;
  poll: CFunc;
  getrandom: CFunc;
  errno(): number;
}

let libc: Libc | undefined;

/** The calls below, bound on the C library libc.ts found (the same handle again: dlopen counts references). */
function loadLibc(): Libc {
  if (libc) return libc;
  let lib: KoffiNs.LibraryHandle;
  let koffi: typeof KoffiNs;
  try {
    const c = loadCLibrary();
    koffi = c.koffi;
    lib = koffi.load(c.path);
  } catch (err) {
    throw new Error(`cannot load the C library for the notify socket: ${(err as Error).message}`, { cause: err });
  }
  const pollFd: TypeObject = koffi.struct({ fd: 'int', events: 'short', revents: 'short' });
  libc = {
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    bind: lib.func('int bind(int fd, const void *addr, uint32_t len)'),
    recv: lib.func('intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)'),
    close: lib.func('int close(int fd)'),
    eventfd: lib.func('int eventfd(unsigned int initval, int flags)'),
    read: lib.func('intptr_t read(int fd, _Out_ void *buf, size_t len)'),
    write: lib.func('intptr_t write(int fd, const void *buf, size_t len)'),
    poll: lib.func('poll', 'int', [koffi.inout(koffi.pointer(pollFd)), 'unsigned long', 'int']),
    // Not node:crypto's randomBytes: loading that module cost every start-up ~2 ms, for 8 bytes.
    getrandom: lib.func('intptr_t getrandom(_Out_ void *buf, size_t len, unsigned int flags)'),
    errno: () => koffi.errno(),
  };
  return libc;
}

/** n unpredictable bytes from the kernel (getrandom(2), which blocks only before the pool is first seeded), as hex. */
function randomHex(c: Libc, n: number): string {
  const buf = Buffer.alloc(n);
  if (Number(c.getrandom(buf, n, 0)) !== n) throw new Error(`getrandom failed: ${errnoName(c.errno())}`);
  return buf.toString('hex');
}

export interface NotifySocket {
  /** The value for $NOTIFY_SOCKET: `@name` for an abstract socket, else a path. */
  readonly address: string;
  /** Receive every datagram (UTF-8); messages that arrived before are delivered at once. */
  onMessage(cb: (text: string) => void): void;
  /** Stop receiving, close the fd, remove the socket file. Idempotent. */
  close(): void;
}

export interface NotifySocketOptions {
  /** Bind to this filesystem path instead of an abstract name (it is unlinked on close). */
  path?: string;
}

interface Entry {
  fd: number;
  deliver(text: string): void;
  fail(): void;
}

// The hub: shared by every socket of this process.
const entries = new Map<number, Entry>();
const closeLater: number[] = [];
let wakeFd = -1;
let polling = false;
let recvBuf: Buffer | undefined;

function sockaddr(address: string): { buf: Buffer; len: number } {
  const abstract = address.startsWith('@');
  const name = Buffer.from(abstract ? address.slice(1) : address, 'utf8');
  if (name.length + 1 > SUN_PATH_MAX) throw new Error(`notify socket address too long (${name.length} bytes): ${address}`);
  const buf = Buffer.alloc(2 + SUN_PATH_MAX);
  if (LE)
    buf.writeUInt16LE(AF_UNIX, 0); // sa_family_t is in host order
  else buf.writeUInt16BE(AF_UNIX, 0);
  name.copy(buf, abstract ? 3 : 2);
  // abstract names are length-delimited (no NUL); paths are NUL-terminated.
  return { buf, len: abstract ? 3 + name.length : 2 + name.length + 1 };
}

function wake(c: Libc): void {
  if (!polling) return;
  const one = Buffer.alloc(8); // the eventfd counter is a host-order uint64
  if (LE) one.writeBigUInt64LE(1n);
  else one.writeBigUInt64BE(1n);
  c.write(wakeFd, one, 8);
}

function drain(c: Libc, entry: Entry): void {
  recvBuf ??= Buffer.alloc(MAX_DATAGRAM);
  for (;;) {
    const n = Number(c.recv(entry.fd, recvBuf, MAX_DATAGRAM, MSG_DONTWAIT));
    if (n < 0) return; // EAGAIN: drained (other errors: nothing to read either)
    entry.deliver(recvBuf.toString('utf8', 0, n));
    if (!entries.has(entry.fd)) return; // closed by its own listener
  }
}

function arm(c: Libc): void {
  if (polling || entries.size === 0) {
    if (!polling) flushCloses(c);
    return;
  }
  const fds = [{ fd: wakeFd, events: POLLIN, revents: 0 }];
  for (const fd of entries.keys()) fds.push({ fd, events: POLLIN, revents: 0 });
  polling = true;
  const done = (err: unknown): void => {
    polling = false;
    c.read(wakeFd, Buffer.alloc(8), 8); // reset the eventfd counter (non-blocking)
    flushCloses(c);
    if (err) {
      setTimeout(() => arm(c), RETRY_MS);
      return;
    }
    for (const p of fds.slice(1)) {
      const entry = entries.get(p.fd);
      if (!entry || p.revents === 0) continue;
      if (p.revents & POLLNVAL) {
        entries.delete(p.fd);
        entry.fail();
      } else drain(c, entry);
    }
    arm(c);
  };
  try {
    c.poll.async(fds, fds.length, -1, done);
  } catch (err) {
    done(err); // e.g. koffi's async queue is full
  }
}

function flushCloses(c: Libc): void {
  while (closeLater.length > 0) c.close(closeLater.pop()!);
}

/** Open a notify socket; throws if the C library or the socket cannot be set up. */
export function openNotifySocket(opts: NotifySocketOptions = {}): NotifySocket {
  const c = loadLibc();
  if (wakeFd < 0) {
    wakeFd = c.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) as number;
    if (wakeFd < 0) throw new Error(`eventfd failed: ${errnoName(c.errno())}`);
  }
  const address = opts.path ?? `@dinit-notify/${process.pid}/${randomHex(c, 8)}`;
  const { buf, len } = sockaddr(address);
  const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number;
  if (fd < 0) throw new Error(`cannot create the notify socket: ${errnoName(c.errno())}`);
  if ((c.bind(fd, buf, len) as number) < 0) {
    const errno = c.errno();
    c.close(fd);
    throw new Error(`cannot bind the notify socket ${address}: ${errnoName(errno)}`);
  }
  const pending: string[] = [];
  let listener: ((text: string) => void) | undefined;
  let open = true;
  let closed = false;
  const entry: Entry = {
    fd,
    deliver(text) {
      if (listener) listener(text);
      else if (pending.length < MAX_PENDING) pending.push(text);
    },
    fail() {
      open = false;
    },
  };
  entries.set(fd, entry);
  if (polling) wake(c);
  else arm(c);
  return {
    address,
    onMessage(cb) {
      listener = cb;
      for (const text of pending.splice(0)) if (open) cb(text);
    },
    close() {
      if (closed) return;
      closed = true;
      open = false;
      listener = undefined;
      pending.length = 0;
      if (entries.delete(fd)) {
        closeLater.push(fd);
        if (polling) wake(c);
        else flushCloses(c);
      }
      if (opts.path) {
        try {
          unlinkSync(opts.path);
        } catch {
          /* already gone */
        }
      }
    },
  };
}

/** What one notify datagram says (sd_notify(3): newline-separated KEY=VALUE). */
export interface NotifyMessage {
  ready: boolean;
  stopping: boolean;
  reloading: boolean;
  status?: string;
  errno?: number;
  mainPid?: number;
}

export function parseNotifyMessage(text: string): NotifyMessage {
  const msg: NotifyMessage = { ready: false, stopping: false, reloading: false };
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    switch (key) {
      case 'READY':
        msg.ready = value === '1';
        break;
      case 'STOPPING':
        msg.stopping = value === '1';
        break;
      case 'RELOADING':
        msg.reloading = value === '1';
        break;
      case 'STATUS':
        msg.status = value;
        break;
      case 'ERRNO': {
        const n = Number.parseInt(value, 10);
        if (Number.isFinite(n)) msg.errno = n;
        break;
      }
      case 'MAINPID': {
        const n = Number.parseInt(value, 10);
        if (Number.isFinite(n) && n > 0) msg.mainPid = n;
        break;
      }
      default:
        break; // WATCHDOG=, FDSTORE=… are not supported and ignored
    }
  }
  return msg;
}
