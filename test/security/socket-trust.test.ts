// The client trusts only its own supervisor's socket, and the supervisor
// finds a place for it without help. /tmp and /dev/shm are world-writable: a
// local user (here uid 65533) can create a socket or the dinit-$UID directory
// first, and `dinit health` answered `ok` from such an impostor. Now a socket
// (or its directory) not owned by the client's user or root is refused; the
// supervisor passes over a directory it does not trust, never replaces a
// socket it does not own, says which place it uses, and a client with no
// environment looks in the same places in the same order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { dinitBin, makeTmpDir, runCli, startDinit, waitUntil, writeConfig } from '../helpers/dinit-process.js';

const VICTIM = 65534; // nobody
const INTRUDER = 65533;

/** A socket that answers every request with ok (health ok, status empty), owned by the intruder. */
async function impostor(path: string): Promise<Server> {
  const srv = createServer((c) => {
    c.setEncoding('utf8');
    c.on('error', () => undefined);
    c.on('data', (d: string) => {
      const id = (JSON.parse(d.split('\n')[0] ?? '{}') as { id?: number }).id ?? null;
      c.write(JSON.stringify({ v: 1, id, ok: true, result: { ok: true, problems: [] } }) + '\n');
    });
  });
  await new Promise<void>((r) => srv.listen(path, r));
  chownSync(path, INTRUDER, INTRUDER);
  chmodSync(path, 0o777);
  return srv;
}

/** Run the CLI as `uid` with a bare environment (no DINIT_SOCKET, no XDG_RUNTIME_DIR). */
function cliAs(uid: number, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', HOME: '/' }, cwd: '/', timeoutMs: 20_000, bin: dinitBin, uid, gid: uid });
}

function cleanPrivateDirs(): void {
  for (const base of ['/run', '/tmp', '/dev/shm']) rmSync(join(base, `dinit-${VICTIM}`), { recursive: true, force: true });
}

test('a client refuses a socket owned by another user instead of believing its `ok`', async (t) => {
  const dir = makeTmpDir('dinit-trust-');
  chmodSync(dir, 0o755);
  const nest = join(dir, 'intruder');
  mkdirSync(nest);
  chownSync(nest, INTRUDER, INTRUDER);
  chmodSync(nest, 0o777);
  const sock = join(nest, 'dinit.sock');
  const srv = await impostor(sock);
  t.after(() => srv.close());
  const r = await cliAs(VICTIM, ['health', '--socket', sock]);
  assert.equal(r.code, 3, `health must not pass on an impostor's word: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /refusing the control socket .*dinit\.sock: it is owned by uid 65533, not by you \(uid 65534\) or root/);
  assert.doesNotMatch(r.stdout, /^ok/m);
});

test('as a non-root user with no environment, the supervisor passes over a /tmp/dinit-$UID an intruder made first, and the client finds the real socket', async (t) => {
  cleanPrivateDirs();
  t.after(cleanPrivateDirs);
  const planted = join('/tmp', `dinit-${VICTIM}`);
  mkdirSync(planted);
  chownSync(planted, INTRUDER, INTRUDER);
  chmodSync(planted, 0o777);
  const srv = await impostor(join(planted, 'dinit.sock'));
  t.after(() => srv.close());

  const dir = makeTmpDir('dinit-trust-');
  chmodSync(dir, 0o755);
  const config = writeConfig(dir, 'services:\n  web: { command: [sleep, "1000"] }\n');
  chmodSync(config, 0o644);
  const sup: ChildProcess = spawn(process.execPath, [dinitBin, 'run', '-c', config], {
    uid: VICTIM,
    gid: VICTIM,
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', HOME: '/' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  sup.stdout?.setEncoding('utf8').on('data', (c: string) => (output += c));
  sup.stderr?.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = new Promise<void>((r) => sup.on('exit', () => r()));
  t.after(async () => {
    sup.kill('SIGTERM');
    await exited;
  });
  await waitUntil('the supervisor to say where its socket is', () => /control socket \/dev\/shm/.test(output) && /web started/.test(output), 20_000, 20).catch((err: Error) => {
    throw new Error(`${err.message}\n${output}`);
  });
  assert.match(
    output,
    /\[dinit\] control socket \/dev\/shm\/dinit-65534\/dinit\.sock \(passed over \/run\/dinit-65534\/dinit\.sock: permission denied; \/tmp\/dinit-65534\/dinit\.sock: cannot use .*: \/tmp\/dinit-65534 is owned by uid 65533, not by this user \(uid 65534\)\)/,
  );
  assert.equal(statSync('/dev/shm/dinit-65534').mode & 0o777, 0o700, 'the private directory is 0700');

  const status = await cliAs(VICTIM, ['status']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /web\s+started/);
  const health = await cliAs(VICTIM, ['health']);
  assert.equal(health.code, 0, health.stderr);
});

test('the supervisor never replaces a socket it does not own: it says so and leaves it alone', async (t) => {
  const dir = makeTmpDir('dinit-trust-');
  const sock = join(dir, 'dinit.sock');
  // A stale socket (bound, nobody listening, left behind) that belongs to someone else.
  // (a process killed while listening: nothing unlinks its socket file)
  spawnSync(process.execPath, ['-e', "require('net').createServer().listen(process.argv[1], () => process.kill(process.pid, 'SIGKILL'))", sock]);
  chownSync(sock, INTRUDER, INTRUDER);
  const ino = statSync(sock).ino;
  const config = writeConfig(dir, 'services:\n  web: { command: [sleep, "1000"] }\n');
  const d = await startDinit({ config, dir, socket: sock, t });
  const line = await d.waitForLine(/warning: no control socket could be created/, { timeoutMs: 20_000 });
  assert.match(line, /the socket there belongs to uid 65533, and dinit never replaces a socket this user \(uid 0\) does not own/);
  assert.equal(statSync(sock).ino, ino, 'the socket is still the one that was there');
});
