// Protocol fuzzing against a real control server (a fake supervisor behind
// it): random bytes, random JSON of the wrong shape, truncated and oversized
// frames, hundreds of connections at once, followers that stall or vanish.
// After every case the server is still up and answers a correct request, and
// every complete request line got exactly one reply carrying its id.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createConnection, type Socket } from 'node:net';
import fc from 'fast-check';
import { request } from '../../src/control/client.js';
import { MAX_REQUEST_LINE, PROTOCOL_VERSION, VERBS } from '../../src/control/protocol.js';
import { startControlServer, type ControlServer } from '../../src/control/server.js';
import { FakeTarget, tempDir, until } from '../control/fake-target.js';
import { rawConnect } from '../control/raw-client.js';
import { fuzzParams } from './fuzz-support.js';

const jsonish = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(undefined, 1e300, -1, 0.5, '', 'x'.repeat(300), NaN));

/** A request object that is right in some fields and wrong in others. */
const request_ = fc.record(
  {
    v: fc.oneof({ weight: 3, arbitrary: fc.constant(PROTOCOL_VERSION) }, { weight: 1, arbitrary: jsonish }),
    id: fc.oneof(fc.nat(), fc.string({ maxLength: 8 }), jsonish),
    verb: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...VERBS) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'STATUS', '') }, { weight: 1, arbitrary: jsonish }),
    args: fc.oneof(
      fc.record(
        {
          names: fc.oneof(fc.constant([]), fc.constant(['db']), fc.constant(['nope']), jsonish),
          name: fc.oneof(fc.constantFrom('db', 'web', 'nope'), jsonish),
          signal: fc.oneof(fc.constantFrom('SIGHUP', 'SIGKILL', 'HUP', 'SIGNOPE', '9'), jsonish),
          wait: fc.oneof(fc.boolean(), jsonish),
          follow: fc.oneof(fc.constant(false), jsonish),
          n: fc.oneof(fc.nat(1000), jsonish),
          timeoutMs: fc.oneof(fc.constantFrom(0, 1, 1e12, 2 ** 53), jsonish),
        },
        { requiredKeys: [] },
      ),
      jsonish,
    ),
  },
  { requiredKeys: [] },
);

function lineFor(obj: Record<string, unknown>): string {
  return JSON.stringify(obj, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n';
}

describe('protocol fuzzing against a live control server', () => {
  const tmp = tempDir('dinit-fuzz-proto-');
  const sock = join(tmp.dir, 'dinit.sock');
  const target = new FakeTarget();
  const internalErrors: string[] = [];
  let server: ControlServer;

  before(async () => {
    server = await startControlServer(sock, target, { onError: (m) => internalErrors.push(m) });
  });
  after(async () => {
    await server.close();
    tmp.cleanup();
  });

  const stillServes = async (): Promise<void> => {
    const rows = await request(sock, 'status', { names: [] });
    assert.deepEqual(
      rows.map((r) => r.name),
      ['db', 'web'],
    );
  };

  test('random bytes in random chunks get error replies or a drop, never a crash; the same connection still answers after a newline', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 6 }), async (chunks) => {
        const c = await rawConnect(sock);
        try {
          for (const ch of chunks) c.send(Buffer.from(ch));
          c.send(`\n${JSON.stringify({ v: PROTOCOL_VERSION, id: 'probe', verb: 'health', args: {} })}\n`);
          // Every reply before ours is an error about garbage; ours carries its id.
          for (;;) {
            const m = await c.next(5000);
            if (m.id === 'probe') {
              assert.equal(m.ok, true);
              break;
            }
            assert.equal(m.ok, false, `garbage answered as a success: ${JSON.stringify(m)}`);
          }
        } finally {
          c.close();
        }
      }),
      fuzzParams(60),
    );
    await stillServes();
    assert.deepEqual(internalErrors, []);
  });

  test('JSON requests with wrong versions, verbs, ids and argument types each get exactly one reply', async () => {
    target.holdWait = false;
    await fc.assert(
      fc.asyncProperty(fc.array(request_, { minLength: 1, maxLength: 8 }), async (reqs) => {
        // Follow requests would stream forever: this property is about one-shot replies.
        const safe = reqs.filter((r) => !(r.verb === 'logs' && typeof r.args === 'object' && r.args !== null && (r.args as { follow?: unknown }).follow === true));
        const lines = safe.filter((r) => r.verb !== 'shutdown').map((r) => lineFor(r));
        if (lines.length === 0) return;
        const c = await rawConnect(sock);
        try {
          c.send(lines.join(''));
          for (let i = 0; i < lines.length; i++) {
            const m = await c.next(5000);
            assert.equal(m.v, PROTOCOL_VERSION);
            assert.ok(m.ok === true || (typeof m.error === 'object' && m.error !== null && typeof (m.error as { message?: unknown }).message === 'string'), JSON.stringify(m));
          }
        } finally {
          c.close();
        }
      }),
      fuzzParams(150),
    );
    await stillServes();
    assert.deepEqual(internalErrors, [], 'a bad request reached the target and threw something other than a DinitError');
  });

  test('a wait with an absurd timeout is clamped to what a timer can hold (not fired at once)', async () => {
    target.calls = [];
    await request(sock, 'wait', { names: ['db'], timeoutMs: 1e12 });
    const call = target.calls.find((c) => c.verb === 'wait');
    assert.ok(call && typeof call.args[1] === 'number' && call.args[1] <= 2 ** 31 - 1, `timeout passed on: ${String(call?.args[1])}`);
  });

  test('truncated frames from vanishing clients and an oversized frame leave the server serving', async () => {
    const full = JSON.stringify({ v: PROTOCOL_VERSION, id: 1, verb: 'status', args: { names: [] } });
    for (let cut = 1; cut < full.length; cut += 7) {
      const c = await rawConnect(sock);
      c.send(full.slice(0, cut));
      c.close();
    }
    const big = await rawConnect(sock);
    big.socket.on('error', () => undefined);
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    for (let sent = 0; sent <= MAX_REQUEST_LINE + chunk.length && !big.socket.destroyed; sent += chunk.length) big.send(chunk);
    const m = await big.next(5000);
    assert.equal(m.ok, false);
    await big.closed;
    await stillServes();
  });

  test('500 concurrent connections are all answered, and the server still serves afterwards', async () => {
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => request(sock, 'status', { names: i % 2 ? ['db'] : [] })));
    assert.equal(results.length, 500);
    assert.ok(results.every((r) => r.length >= 1));
    await stillServes();
  });

  test('a follower that stops reading costs bounded memory while 64 MB of log lines flow', async () => {
    const sockets: Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const s = createConnection(sock);
      s.on('error', () => undefined);
      await new Promise<void>((r) => s.once('connect', () => r()));
      s.write(JSON.stringify({ v: PROTOCOL_VERSION, id: i, verb: 'logs', args: { names: [], n: 0, follow: true } }) + '\n');
      s.pause(); // never read again
      sockets.push(s);
    }
    await until(() => target.followers.size >= 4, 5000, 'four followers');
    global.gc?.();
    const base = process.memoryUsage();
    const line = 'x'.repeat(1024);
    for (let i = 0; i < 16 * 1024; i++) {
      target.emit('web', line);
      if (i % 1024 === 0) await new Promise((r) => setImmediate(r)); // let the server run
    }
    target.lines = []; // the fake keeps history; the server must not
    global.gc?.();
    const grown = process.memoryUsage().rss - base.rss;
    assert.ok(grown < 48 * 1024 * 1024, `rss grew by ${Math.round(grown / 1048576)} MB for 4 stalled readers of 64 MB`);
    await stillServes();
    // Readers that vanish mid-stream are unsubscribed.
    for (const s of sockets) s.destroy();
    await until(() => target.followers.size === 0, 5000, 'followers to be unsubscribed');
  });

  test('a follower that vanishes mid-stream is unsubscribed and does not disturb the others', async () => {
    const keep = await rawConnect(sock);
    keep.send(JSON.stringify({ v: PROTOCOL_VERSION, id: 'keep', verb: 'logs', args: { names: ['web'], n: 0, follow: true } }) + '\n');
    assert.equal((await keep.next()).ok, true);
    for (let round = 0; round < 20; round++) {
      const c = await rawConnect(sock);
      c.send(JSON.stringify({ v: PROTOCOL_VERSION, id: round, verb: 'logs', args: { names: [], n: 5, follow: true } }) + '\n');
      target.emit('web', `line ${round}`);
      if (round % 2) c.close();
      else c.socket.end(); // half-close: the server must treat it as gone too
    }
    target.emit('web', 'after');
    for (;;) {
      const m = await keep.next();
      if ((m.line as { line?: string } | undefined)?.line === 'after') break;
    }
    keep.close();
    await until(() => target.followers.size === 0, 5000, 'every follower to be gone');
    await stillServes();
  });
});
