// A few protocol attacks against the real supervisor binary: garbage, an
// oversized frame, a burst of 300 connections (each answered, or told BUSY past
// the connection cap) and a follower that stalls, while
// a service runs. Afterwards `status` answers and the service kept its pid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { PROTOCOL_VERSION } from '../../src/control/protocol.js';
import { rawConnect } from '../control/raw-client.js';
import { makeTmpDir, writeConfig } from '../helpers/dinit-process.js';
import { fixture, waitStarted } from '../e2e/support.js';
import { startOwn, statusJson } from './own-build.js';

test('the real supervisor survives garbage, an oversized frame, 300 connections at once and a stalled follower', async (t) => {
  const dir = makeTmpDir('dinit-fuzz-pbin-');
  const file = writeConfig(dir, `services:\n  chatty:\n    command: ${fixture('flood-output.js', '--lines', 20000, '--size', 200)}\n    restart: never\n  canary:\n    command: ${fixture('long-running.js')}\n`);
  const d = await startOwn({ config: file, dir, t });
  const { pid } = await waitStarted(d, 'canary', { timeoutMs: 10_000 });

  const g = await rawConnect(d.socket);
  g.send(Buffer.from([0, 255, 10, 123, 10, 0x7b, 0x22, 10]));
  for (let i = 0; i < 3; i++) assert.equal((await g.next()).ok, false, 'each garbage line gets an error reply');
  g.send(JSON.stringify({ v: 99, id: 1, verb: 'status' }) + '\n');
  const mismatch = await g.next();
  assert.equal(mismatch.ok, false);
  assert.match(JSON.stringify(mismatch.error), /protocol 99/);
  g.close();

  const big = await rawConnect(d.socket);
  big.socket.on('error', () => undefined);
  big.send(Buffer.alloc(2 * 1024 * 1024, 0x20));
  assert.equal((await big.next(5000)).ok, false);
  await big.closed;

  const stalled = createConnection(d.socket);
  stalled.on('error', () => undefined);
  await new Promise<void>((r) => stalled.once('connect', () => r()));
  stalled.write(JSON.stringify({ v: PROTOCOL_VERSION, id: 's', verb: 'logs', args: { names: [], n: 1000, follow: true } }) + '\n');
  stalled.pause();

  const burst = await Promise.all(
    Array.from({ length: 300 }, async () => {
      const c = await rawConnect(d.socket);
      c.send(JSON.stringify({ v: PROTOCOL_VERSION, id: 1, verb: 'status', args: {} }) + '\n');
      const m = await c.next(15_000);
      c.close();
      return m.ok === true ? 'ok' : (m.error as { code?: string } | undefined)?.code;
    }),
  );
  // Past MAX_CONNECTIONS (64) at once, a connection is told BUSY (the real client retries it); none goes unanswered.
  assert.ok(
    burst.every((r) => r === 'ok' || r === 'BUSY'),
    burst.join(' '),
  );
  assert.ok(burst.includes('ok'));
  const rows = await statusJson(d, ['canary']);
  assert.equal(rows[0]?.pid, pid, 'the canary kept its pid');
  stalled.destroy();
  assert.equal(d.exitedStatus, null, 'dinit is still running');
});
