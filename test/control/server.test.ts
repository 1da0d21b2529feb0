// The control server and client over a real unix socket, against a fake target.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from '../../src/control/client.js';
import { MAX_REQUEST_LINE, PROTOCOL_VERSION, splitStatusReply, type StatusWithOrphans } from '../../src/control/protocol.js';
import { startControlServer, type ControlServer } from '../../src/control/server.js';
import { ConfigError, DinitError } from '../../src/errors.js';
import { FakeTarget, sampleConfigError, tempDir } from './fake-target.js';
import { rawConnect } from './raw-client.js';

async function rejectsWith(p: Promise<unknown>, code: string, msg?: RegExp): Promise<DinitError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof DinitError, `expected a DinitError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (msg) assert.match(err.message, msg);
    return err;
  }
  assert.fail(`expected a rejection with ${code}`);
}

describe('control server with a fake supervisor', () => {
  const tmp = tempDir();
  const sock = join(tmp.dir, 'dinit.sock');
  const target = new FakeTarget();
  let server: ControlServer;

  before(async () => {
    server = await startControlServer(sock, target);
  });
  after(async () => {
    await server.close();
    tmp.cleanup();
  });

  test('every verb round-trips with its arguments and result', async () => {
    const st = await request(sock, 'status', { names: [] });
    assert.deepEqual(
      st.map((s) => s.name),
      ['db', 'web'],
    );
    assert.deepEqual(await request(sock, 'start', { names: ['web'], wait: true }), { ok: true, failures: [] });
    await request(sock, 'stop', { names: ['db'], wait: false });
    await request(sock, 'restart', { names: ['web'], wait: true });
    assert.equal(await request(sock, 'signal', { name: 'web', signal: 'SIGHUP' }), null);
    target.emit('web', 'hello');
    assert.deepEqual(
      (await request(sock, 'logs', { names: ['web'], n: 10, follow: false })).map((l) => l.line),
      ['hello'],
    );
    assert.deepEqual(await request(sock, 'reload', {}), target.reloadResult);
    assert.deepEqual(await request(sock, 'health', {}), { ok: true, problems: [] });
    const cfg = await request(sock, 'config', {});
    assert.deepEqual(
      cfg.services.map((s) => s.name),
      ['db', 'migrate', 'cache', 'web', 'all'],
    );
    assert.deepEqual(await request(sock, 'wait', { names: ['web'], timeoutMs: 1234 }), { ok: true, failures: [] });
    target.orphanList = [{ pid: 4242, comm: 'sleep' }];
    assert.deepEqual(await request(sock, 'orphans', {}), [{ pid: 4242, comm: 'sleep' }]);
    assert.equal(await request(sock, 'shutdown', {}), null);
    const seen = target.calls.map((c) => [c.verb, ...c.args]);
    for (const expected of [['start', ['web'], true], ['stop', ['db'], false], ['restart', ['web'], true], ['signal', 'web', 'SIGHUP'], ['wait', ['web'], 1234], ['reload'], ['shutdown']]) {
      assert.ok(
        seen.some((c) => JSON.stringify(c) === JSON.stringify(expected)),
        `missing call ${JSON.stringify(expected)}`,
      );
    }
  });

  test('status with orphans: true answers the rows and the orphans together; a plain status still answers the list', async () => {
    target.orphanList = [{ pid: 4242, comm: 'sleep' }];
    const both = (await request(sock, 'status', { names: [], orphans: true })) as unknown as StatusWithOrphans;
    assert.deepEqual(
      both.services.map((s) => s.name),
      ['db', 'web'],
    );
    assert.deepEqual(both.orphans, [{ pid: 4242, comm: 'sleep' }]);
    assert.deepEqual(splitStatusReply(both).orphans, [{ pid: 4242, comm: 'sleep' }]);
    const plain = await request(sock, 'status', { names: ['web'] });
    assert.ok(Array.isArray(plain));
    assert.deepEqual(splitStatusReply(plain), { rows: plain });
    assert.deepEqual(await request(sock, 'status', { names: ['web'], orphans: false }), plain);
  });

  test('the config verb never sends environment values', async () => {
    const cfg = await request(sock, 'config', {});
    assert.deepEqual(cfg.environment, { SECRET: '<redacted>' });
    assert.deepEqual(cfg.services[0]?.environment, { PGPASSWORD: '<redacted>' });
    assert.ok(!JSON.stringify(cfg).includes('hunter2'));
  });

  test('errors reach the client with their code and message', async () => {
    await rejectsWith(request(sock, 'status', { names: ['nope'] }), 'UNKNOWN_SERVICE', /nope/);
    target.failWith.set('signal', new DinitError('OPERATION_FAILED', 'web is not running'));
    await rejectsWith(request(sock, 'signal', { name: 'web', signal: 'SIGTERM' }), 'OPERATION_FAILED', /not running/);
    target.failWith.delete('signal');
  });

  test('a ConfigError from reload arrives as a ConfigError with every located issue', async () => {
    target.failWith.set('reload', sampleConfigError());
    const err = await rejectsWith(request(sock, 'reload', {}), 'CONFIG_INVALID');
    target.failWith.delete('reload');
    assert.ok(err instanceof ConfigError);
    assert.equal(err.issues.length, 2);
    assert.deepEqual(err.issues[0]?.pos, { file: '/etc/dinit.yaml', line: 3, col: 5 });
  });

  test('an unexpected exception in the target becomes an INTERNAL error reply, and the server carries on', async () => {
    const errors: string[] = [];
    const t2 = new FakeTarget();
    const s2 = join(tmp.dir, 'internal.sock');
    const srv = await startControlServer(s2, t2, { onError: (m) => errors.push(m) });
    t2.failWith.set('health', new TypeError('boom'));
    await rejectsWith(request(s2, 'health', {}), 'INTERNAL', /boom/);
    assert.equal(errors.length, 1);
    assert.equal((await request(s2, 'status', { names: [] })).length, 2);
    await srv.close();
  });

  test('a request from another protocol version gets a clear mismatch error on the same connection', async () => {
    const c = await rawConnect(sock);
    c.send(JSON.stringify({ v: PROTOCOL_VERSION + 1, id: 7, verb: 'status', args: {} }) + '\n');
    const reply = await c.next();
    assert.equal(reply.ok, false);
    assert.equal(reply.id, 7);
    const error = reply.error as { code: string; message: string };
    assert.equal(error.code, 'PROTOCOL');
    assert.equal(error.message, `client speaks protocol ${PROTOCOL_VERSION + 1}, supervisor ${PROTOCOL_VERSION}: use the dinit binary of the running supervisor`);
    c.close();
  });

  test('a reply from another protocol version is refused by the client with the same advice', async () => {
    const path = join(tmp.dir, 'future.sock');
    const fake = createServer((s) => s.on('data', () => s.end(JSON.stringify({ v: 99, id: 1, ok: true, result: [] }) + '\n')));
    await new Promise<void>((r) => fake.listen(path, r));
    await rejectsWith(request(path, 'status', { names: [] }), 'PROTOCOL', /client speaks protocol 1, supervisor 99: use the dinit binary/);
    await new Promise<void>((r) => fake.close(() => r()));
  });

  test('a garbage line gets an error reply and the same connection still works', async () => {
    const c = await rawConnect(sock);
    c.send('this is not json\n');
    const bad = await c.next();
    assert.equal(bad.ok, false);
    assert.equal((bad.error as { code: string }).code, 'PROTOCOL');
    c.send('{"v":1,"id":"x","verb":"frobnicate"}\n');
    assert.match(((await c.next()).error as { message: string }).message, /unknown verb 'frobnicate'/);
    c.send('{"v":1,"id":"y","verb":"status","args":{"names":"db"}}\n');
    assert.match(((await c.next()).error as { message: string }).message, /names/);
    c.send(JSON.stringify({ v: 1, id: 2, verb: 'status', args: { names: [] } }) + '\n');
    const ok = await c.next();
    assert.equal(ok.ok, true);
    assert.equal(ok.id, 2);
    c.close();
  });

  test('a partial line followed by a disconnect leaves the server serving others', async () => {
    const c = await rawConnect(sock);
    c.send('{"v":1,"id":1,"verb":"sta');
    c.close();
    await c.closed;
    assert.equal((await request(sock, 'status', { names: [] })).length, 2);
  });

  test('a request split across many writes is reassembled', async () => {
    const c = await rawConnect(sock);
    const line = Buffer.from(JSON.stringify({ v: 1, id: 3, verb: 'status', args: { names: ['db'] } }) + '\n');
    for (let i = 0; i < line.length; i += 7) c.send(line.subarray(i, i + 7));
    const reply = await c.next();
    assert.equal(reply.ok, true);
    c.close();
  });

  test('a line over 1 MiB is answered with an error and that connection is dropped', async () => {
    const c = await rawConnect(sock);
    const big = '{"v":1,"id":1,"verb":"status","args":{"pad":"' + 'x'.repeat(MAX_REQUEST_LINE) + '"}}\n';
    c.send(big);
    const reply = await c.next();
    assert.equal(reply.ok, false);
    assert.match((reply.error as { message: string }).message, /longer than 1048576 bytes/);
    await c.closed;
    assert.equal((await request(sock, 'status', { names: [] })).length, 2);
  });

  test('pipelined requests on one connection each get their own reply', async () => {
    const c = await rawConnect(sock);
    c.send([1, 2, 3].map((id) => JSON.stringify({ v: 1, id, verb: 'health', args: {} })).join('\n') + '\n');
    const ids = [(await c.next()).id, (await c.next()).id, (await c.next()).id];
    assert.deepEqual(ids.sort(), [1, 2, 3]);
    c.close();
  });

  test('a client that disconnects before a slow reply arrives does not disturb the server', async () => {
    target.holdWait = true;
    const c = await rawConnect(sock);
    c.send(JSON.stringify({ v: 1, id: 1, verb: 'wait', args: { names: ['web'], timeoutMs: 1000 } }) + '\n');
    const before = target.calls.length;
    const { until } = await import('./fake-target.js');
    await until(() => target.calls.length > before, 5000, 'the wait call');
    c.close();
    await c.closed;
    target.holdWait = false;
    target.release();
    assert.equal((await request(sock, 'status', { names: [] })).length, 2);
  });

  test('a request sent with a half-closed connection still gets its reply', async () => {
    const c = await rawConnect(sock);
    c.socket.end(JSON.stringify({ v: 1, id: 9, verb: 'status', args: { names: [] } }) + '\n');
    const reply = await c.next();
    assert.equal(reply.id, 9);
    await c.closed;
  });

  test('200 concurrent status requests are all answered', async () => {
    const results = await Promise.all(Array.from({ length: 220 }, () => request(sock, 'status', { names: [] }, { timeoutMs: 20_000 })));
    assert.equal(results.length, 220);
    assert.ok(results.every((r) => r.length === 2));
  });

  test('the socket is private to its owner (mode 0600)', () => {
    assert.equal(statSync(sock).mode & 0o777, 0o600);
  });
});

describe('control socket lifecycle', () => {
  test('a socket directory the server creates is private (0700) and the socket is removed on close', async () => {
    const tmp = tempDir();
    const sock = join(tmp.dir, 'run', 'deep', 'dinit.sock');
    const srv = await startControlServer(sock, new FakeTarget());
    assert.equal(statSync(join(tmp.dir, 'run', 'deep')).mode & 0o777, 0o700);
    assert.equal(statSync(sock).mode & 0o777, 0o600);
    await srv.close();
    assert.equal(existsSync(sock), false);
    tmp.cleanup();
  });

  test('a stale socket file nobody answers on is replaced', async () => {
    const tmp = tempDir();
    const sock = join(tmp.dir, 'dinit.sock');
    // A supervisor killed by SIGKILL leaves its socket file behind with nobody listening.
    const r = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(statSync(sock).isSocket(), 'a stale socket exists');
    const srv = await startControlServer(sock, new FakeTarget());
    assert.equal((await request(sock, 'status', { names: [] })).length, 2);
    await srv.close();
    tmp.cleanup();
  });

  test('a live socket is not taken over: SOCKET_IN_USE names the path and how to pick another', async () => {
    const tmp = tempDir();
    const sock = join(tmp.dir, 'dinit.sock');
    const first = await startControlServer(sock, new FakeTarget());
    const err = await rejectsWith(startControlServer(sock, new FakeTarget()), 'SOCKET_IN_USE');
    assert.ok(err.message.includes(sock));
    assert.match(err.message, /--socket/);
    assert.match(err.message, /DINIT_SOCKET/);
    // The first server is unharmed.
    assert.equal((await request(sock, 'status', { names: [] })).length, 2);
    await first.close();
    tmp.cleanup();
  });

  test('a regular file at the socket path is left alone', async () => {
    const tmp = tempDir();
    const sock = join(tmp.dir, 'dinit.sock');
    writeFileSync(sock, 'precious');
    await rejectsWith(startControlServer(sock, new FakeTarget()), 'SOCKET_IN_USE', /not a socket/);
    assert.ok(statSync(sock).isFile());
    tmp.cleanup();
  });

  test('nothing listening → UNREACHABLE with a one-line hint', async () => {
    const tmp = tempDir();
    const sock = join(tmp.dir, 'none.sock');
    const err = await rejectsWith(request(sock, 'status', { names: [] }), 'UNREACHABLE');
    assert.equal(err.message, `no dinit supervisor answers on ${sock} — is it running? pass --socket or set DINIT_SOCKET`);
    tmp.cleanup();
  });

  test('a supervisor that never answers makes the client give up after its timeout', async () => {
    const tmp = tempDir();
    const sock = join(tmp.dir, 'mute.sock');
    const mute = createServer(() => undefined);
    await new Promise<void>((r) => mute.listen(sock, r));
    await rejectsWith(request(sock, 'status', { names: [] }, { timeoutMs: 100 }), 'UNREACHABLE', /did not answer within 100ms/);
    mute.close();
    tmp.cleanup();
  });
});
