// The notify socket on its own: sd_notify parsing, path and abstract addresses,
// the shared poll() hub with sockets coming and going.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openNotifySocket, parseNotifyMessage } from '../../src/os/notify-socket.js';
import { DEADLINE, startFixture, waitExit, withDeadline } from './support.js';

function nextMessage(sock: ReturnType<typeof openNotifySocket>, ms = DEADLINE): Promise<string[]> {
  const got: string[] = [];
  return withDeadline(
    new Promise<string[]>((resolve) =>
      sock.onMessage((text) => {
        got.push(text);
        if (text.includes('READY=1')) resolve(got);
      }),
    ),
    ms,
    `READY=1 on ${sock.address} (got ${JSON.stringify(got)})`,
  );
}

// Independent tests, run concurrently to keep the suite fast.
describe('the notify socket', { concurrency: true }, () => {
  test('sd_notify messages are parsed line by line; unknown keys are ignored', () => {
    assert.deepEqual(parseNotifyMessage('READY=1\nSTATUS=Processing requests\nWATCHDOG=1\nMAINPID=42'), {
      ready: true,
      stopping: false,
      reloading: false,
      status: 'Processing requests',
      mainPid: 42,
    });
    assert.deepEqual(parseNotifyMessage('STOPPING=1\nERRNO=2\n'), { ready: false, stopping: true, reloading: false, errno: 2 });
    assert.deepEqual(parseNotifyMessage('STATUS=a=b'), { ready: false, stopping: false, reloading: false, status: 'a=b' });
    assert.equal(parseNotifyMessage('READY=0').ready, false);
  });

  test('an abstract socket is named by the pid and 8 random bytes: two sockets never share a name', () => {
    const a = openNotifySocket();
    const b = openNotifySocket();
    try {
      const name = new RegExp(`^@dinit-notify/${process.pid}/[0-9a-f]{16}$`);
      assert.match(a.address, name);
      assert.match(b.address, name);
      assert.notEqual(a.address, b.address);
    } finally {
      a.close();
      b.close();
    }
  });

  test('a socket bound to a path receives datagrams and removes its file on close', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dinit-notify-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'notify.sock');
    const sock = openNotifySocket({ path });
    t.after(() => sock.close());
    assert.equal(sock.address, path);
    assert.ok(statSync(path).isSocket());
    const fx = startFixture(t, 'notify-systemd.js', ['--status', 'hello'], { env: { NOTIFY_SOCKET: path } });
    assert.deepEqual(await nextMessage(sock), ['STATUS=hello', 'READY=1']);
    await fx.waitLine(/^notified$/);
    sock.close();
    assert.equal(existsSync(path), false);
    sock.close(); // idempotent
  });

  test('datagrams that arrive before anyone listens are kept and delivered in order', async (t) => {
    const sock = openNotifySocket();
    t.after(() => sock.close());
    const fx = startFixture(t, 'notify-systemd.js', ['--status', 'early'], { env: { NOTIFY_SOCKET: sock.address } });
    await fx.waitLine(/^notified$/);
    assert.deepEqual(await nextMessage(sock), ['STATUS=early', 'READY=1']);
  });

  test('sockets opened and closed while others wait keep working', async (t) => {
    const a = openNotifySocket();
    const b = openNotifySocket();
    const c = openNotifySocket();
    t.after(() => [a, b, c].forEach((s) => s.close()));
    b.close(); // closed while the shared poll() watches it
    let bGot = 0;
    b.onMessage(() => bGot++);
    const fxA = startFixture(t, 'notify-systemd.js', ['--delay', '50'], { env: { NOTIFY_SOCKET: a.address } });
    const fxC = startFixture(t, 'notify-systemd.js', ['--delay', '100'], { env: { NOTIFY_SOCKET: c.address } });
    const d = openNotifySocket(); // opened while a poll() is in flight
    t.after(() => d.close());
    const fxD = startFixture(t, 'notify-systemd.js', ['--delay', '150'], { env: { NOTIFY_SOCKET: d.address } });
    await Promise.all([nextMessage(a), nextMessage(c), nextMessage(d)]);
    await Promise.all([fxA, fxC, fxD].map((f) => f.waitLine(/^notified$/)));
    // Sending to a closed socket fails in the sender and reaches nobody.
    const fxB = startFixture(t, 'notify-systemd.js', [], { env: { NOTIFY_SOCKET: b.address } });
    assert.equal((await waitExit(fxB.child)).code, 3);
    assert.equal(bGot, 0);
  });

  test('an address too long for sockaddr_un is refused', () => {
    assert.throws(() => openNotifySocket({ path: '/tmp/' + 'x'.repeat(120) }), /too long/);
  });

  test('a path that cannot be bound is reported with its errno name', () => {
    assert.throws(() => openNotifySocket({ path: '/nonexistent-dir/notify.sock' }), /cannot bind the notify socket \/nonexistent-dir\/notify\.sock: ENOENT/);
  });
});
