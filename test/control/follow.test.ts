// `logs -f` over a real socket: the backlog then new lines; readers that
// vanish or stop reading cost the server nothing it cannot bound.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request, stream } from '../../src/control/client.js';
import type { StreamEvent } from '../../src/control/protocol.js';
import { CLIENT_QUEUE_BOUND } from '../../src/control/connection.js';
import { startControlServer, type ControlServer } from '../../src/control/server.js';
import { FakeTarget, tempDir, until } from './fake-target.js';
import { rawConnect, type RawClient } from './raw-client.js';

/**
 * A paused follower resumes reading; the marker is offered again until it
 * arrives (the server's queue for it has drained). Every message read, the
 * marker's included.
 */
async function resumeUntilMarker(c: RawClient, isMarker: (m: Record<string, unknown>) => boolean, offerMarker: () => void, what: string): Promise<Record<string, unknown>[]> {
  const messages: Record<string, unknown>[] = [];
  c.socket.resume();
  let seen = false;
  const collect = (async () => {
    while (!seen) {
      const m = await c.next(10_000);
      messages.push(m);
      if (isMarker(m)) seen = true;
    }
  })();
  await until(
    () => {
      if (!seen) offerMarker();
      return seen;
    },
    10_000,
    what,
  );
  await collect;
  return messages;
}

describe('following logs', () => {
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

  test('a follower gets the backlog first, then only new lines of the services it named', async () => {
    target.emit('web', 'old-1');
    target.emit('db', 'old-db');
    target.emit('web', 'old-2');
    const events: StreamEvent[] = [];
    let notify: () => void = () => undefined;
    const s = await stream(
      sock,
      'logs',
      { names: ['web'], n: 1, follow: true },
      {
        onEvent: (ev) => {
          events.push(ev);
          notify();
        },
      },
    );
    assert.deepEqual(
      s.result.map((l) => l.line),
      ['old-2'],
    );
    const got = new Promise<void>((r) => (notify = () => events.length >= 2 && r()));
    target.emit('db', 'new-db');
    target.emit('web', 'new-1');
    target.emit('web', 'new-2');
    await got;
    assert.deepEqual(
      events.map((e) => (e.event === 'line' ? e.line.line : e.event === 'dropped' ? `dropped ${e.count}` : e.event)),
      ['new-1', 'new-2'],
    );
    s.close();
    assert.equal(await s.closed, null);
    await until(() => target.followers.size === 0, 5000, 'the follower to be unsubscribed');
  });

  test('a follower that vanishes is unsubscribed and the server carries on', async () => {
    const c = await rawConnect(sock);
    c.send(JSON.stringify({ v: 1, id: 1, verb: 'logs', args: { names: [], n: 0, follow: true } }) + '\n');
    assert.equal((await c.next()).ok, true);
    assert.equal(target.followers.size, 1);
    target.emit('web', 'one');
    assert.equal(((await c.next()).line as { line: string }).line, 'one');
    c.close();
    await c.closed;
    await until(() => target.followers.size === 0, 5000, 'the follower to be unsubscribed');
    for (let i = 0; i < 100; i++) target.emit('web', `after-${i}`); // nobody to write to: must not throw
    assert.equal((await request(sock, 'status', { names: [] })).length, 2);
  });

  test('a client that vanishes while a large reply is written does not disturb the server', async () => {
    const t = new FakeTarget();
    for (let i = 0; i < 5000; i++) t.lines.push({ time: 0, service: 'web', stream: 'stdout', line: 'x'.repeat(500) });
    const s2 = join(tmp.dir, 'big.sock');
    const srv = await startControlServer(s2, t);
    for (let i = 0; i < 5; i++) {
      const c = await rawConnect(s2);
      c.send(JSON.stringify({ v: 1, id: 1, verb: 'logs', args: { names: [], n: 5000 } }) + '\n');
      c.close();
    }
    const lines = await request(s2, 'logs', { names: [], n: 5000, follow: false });
    assert.equal(lines.length, 5000);
    await srv.close();
  });

  test('a follower that stops reading loses lines (and is told how many) instead of growing the server', async (t) => {
    const c = await rawConnect(sock);
    c.send(JSON.stringify({ v: 1, id: 'slow', verb: 'logs', args: { names: ['web'], n: 0, follow: true } }) + '\n');
    assert.equal((await c.next()).ok, true);
    c.socket.pause();
    let received = 0;
    c.socket.on('data', (d: string) => (received += Buffer.byteLength(d)));

    const line = 'y'.repeat(1000);
    const emitted = 20_000; // ~20 MB offered to a reader that reads nothing
    for (let i = 0; i < emitted; i++) target.emit('web', line);

    // Meanwhile another client is served (within the request's own deadline: a blocked server never answers).
    assert.equal((await request(sock, 'status', { names: [] }, { timeoutMs: 10_000 })).length, 2);

    // Resume reading; keep offering a marker line until it gets through (the server's buffer drained).
    const messages = await resumeUntilMarker(
      c,
      (m) => (m.line as { line?: string } | undefined)?.line === 'final',
      () => target.emit('web', 'final'),
      'the marker line after the reader resumed',
    );
    const lines = messages.filter((m) => m.event === 'line').length;
    const dropped = messages.filter((m) => m.event === 'dropped').reduce((n, m) => n + (m.count as number), 0);
    t.diagnostic(`delivered ${lines}, dropped ${dropped}, ${received} bytes received`);
    assert.ok(dropped > 0, 'lines were dropped');
    assert.ok(lines < emitted / 2, `most lines were dropped (${lines} delivered)`);
    // What reached us is bounded by the server's high-water mark plus kernel socket buffers.
    assert.ok(received < CLIENT_QUEUE_BOUND + 8 * 1024 * 1024, `received ${received} bytes`);
    c.close();
    await until(() => target.followers.size === 0, 5000, 'the follower to be unsubscribed');
  });

  test('an events follower gets only the changes of the services it named; an unknown name is an error', async () => {
    const got: StreamEvent[] = [];
    let notify: () => void = () => undefined;
    const s = await stream(
      sock,
      'events',
      { names: ['web'] },
      {
        onEvent: (ev) => {
          got.push(ev);
          notify();
        },
      },
    );
    assert.equal(s.result, null);
    const two = new Promise<void>((r) => (notify = () => got.length >= 2 && r()));
    target.change('db', 'stopped');
    target.change('web', 'exited', 'exited with code 1');
    target.change('web', 'restarting', 'in 200ms');
    await two;
    assert.deepEqual(
      got.map((e) => (e.event === 'service' ? `${e.change.service} ${e.change.event} ${e.change.reason ?? ''}` : e.event)),
      ['web exited exited with code 1', 'web restarting in 200ms'],
    );
    s.close();
    await until(() => target.eventFollowers.size === 0, 5000, 'the events follower to be unsubscribed');
    await assert.rejects(stream(sock, 'events', { names: ['nope'] }, { onEvent: () => undefined }), /unknown service: nope/);
  });

  test('an events follower that stops reading loses events (and is told how many), like logs -f', async () => {
    const c = await rawConnect(sock);
    c.send(JSON.stringify({ v: 1, id: 'slow-ev', verb: 'events', args: { names: [] } }) + '\n');
    assert.equal((await c.next()).ok, true);
    c.socket.pause();
    const emitted = 20_000;
    const reason = 'z'.repeat(1000);
    for (let i = 0; i < emitted; i++) target.change('web', 'unhealthy', reason);
    const messages = await resumeUntilMarker(
      c,
      (m) => (m.change as { reason?: string } | undefined)?.reason === 'final',
      () => target.change('web', 'stopped', 'final'),
      'the marker event after the reader resumed',
    );
    const delivered = messages.filter((m) => m.event === 'service').length;
    const dropped = messages.filter((m) => m.event === 'dropped').reduce((n, m) => n + (m.count as number), 0);
    assert.ok(dropped > 0, 'events were dropped');
    assert.ok(delivered < emitted / 2, `most events were dropped (${delivered} delivered)`);
    c.close();
    await until(() => target.eventFollowers.size === 0, 5000, 'the events follower to be unsubscribed');
  });

  test('followers end cleanly when the server closes', async () => {
    const t = new FakeTarget();
    const s2 = join(tmp.dir, 'closing.sock');
    const srv = await startControlServer(s2, t);
    const s = await stream(s2, 'logs', { names: [], n: 0, follow: true }, { onEvent: () => undefined });
    await srv.close();
    assert.equal(await s.closed, null);
    assert.equal(t.followers.size, 0);
  });
});
