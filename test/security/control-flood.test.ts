// Control clients cannot grow, freeze or starve PID 1: forty clients that ask
// for a large `logs` backlog and never read (this took a supervisor from
// ~80 MB to over 1.2 GB RSS, never returned), connections past the cap, and
// idle connections that would hold fds for minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTmpDir, startDinit, waitUntil, writeConfig } from '../helpers/dinit-process.js';
import { fixture } from '../e2e/support.js';
import { request } from '../../src/control/client.js';
import { MAX_CONNECTIONS, startControlServer } from '../../src/control/server.js';
import { FakeTarget, tempDir } from '../control/fake-target.js';
import { rawConnect, type RawClient } from '../control/raw-client.js';

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

test('forty clients that request a large logs backlog and never read do not grow the supervisor', async (t) => {
  const dir = makeTmpDir('dinit-flood-');
  // Four services with full 4 MiB buffers: each `logs` reply is ~17 MB of JSON.
  const svc = (i: number): string => `  f${i}:\n    command: ${fixture('flood-output.js', '--lines', 5000, '--size', 1000)}\n    restart: never\n    log: { buffer: 5000, prefix: false }\n`;
  const cfg = writeConfig(dir, `services:\n${[1, 2, 3, 4].map(svc).join('')}  idle:\n    command: [sleep, "1000"]\n`);
  const d = await startDinit({ config: cfg, dir, t });
  await waitUntil('the four floods to finish', () => d.lines().filter((l) => l === 'done').length === 4, 120_000, 50);
  // And to have stopped: their exit and stop lines join the backlog, so count it only once it is final.
  await waitUntil('the four floods to stop', () => d.lines().filter((l) => /^\[dinit\] f[1-4] stopped$/.test(l)).length === 4, 60_000, 50);
  const pid = await d.dinitPid();
  const backlog = (await request(d.socket, 'logs', { names: [], n: 100_000, follow: false }, { timeoutMs: 30_000 })).length;
  const before = rssMiB(pid);
  const clients: RawClient[] = [];
  for (let i = 0; i < 40; i++) {
    const c = await rawConnect(d.socket);
    c.socket.pause(); // never read
    c.send(JSON.stringify({ v: 1, id: i, verb: 'logs', args: { names: [], n: 100_000 } }) + '\n');
    clients.push(c);
  }
  // A fresh status gets through behind them: the server has answered or refused them all.
  const s = await request(d.socket, 'status', { names: [] }, { timeoutMs: 30_000 });
  assert.equal(s.length, 5);
  const peak = rssMiB(pid);
  t.diagnostic(`RSS before ${before.toFixed(0)} MiB, with 40 non-reading clients ${peak.toFixed(0)} MiB (backlog ${backlog} lines)`);
  // Unbounded, this was 40 × ~17 MB; bounded, the clients together hold at most 64 MiB (plus JSON garbage).
  assert.ok(peak - before < 250, `the supervisor grew by ${(peak - before).toFixed(0)} MiB`);
  for (const c of clients) c.close();
  await Promise.all(clients.map((c) => c.closed));
  // A reading client still gets the whole backlog.
  const lines = await request(d.socket, 'logs', { names: [], n: 100_000, follow: false }, { timeoutMs: 30_000 });
  assert.equal(lines.length, backlog);
  const after = await waitUntil(
    'memory to come back',
    () => {
      const r = rssMiB(pid);
      return r - before < 100 ? r : undefined;
    },
    60_000,
    200,
  );
  t.diagnostic(`RSS after they went ${after.toFixed(0)} MiB`);
});

test(`connection ${MAX_CONNECTIONS + 1} is told BUSY and closed; a client retries and gets through once one goes`, async () => {
  const tmp = tempDir();
  const sock = join(tmp.dir, 'dinit.sock');
  const server = await startControlServer(sock, new FakeTarget());
  try {
    const held: RawClient[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) held.push(await rawConnect(sock));
    const extra = await rawConnect(sock);
    const msg = await extra.next();
    assert.equal(msg.ok, false);
    assert.equal((msg.error as { code: string }).code, 'BUSY');
    assert.match((msg.error as { message: string }).message, /64 control connections are open; try again/);
    await extra.closed;
    // One that sent its request before it was refused still reads the BUSY line (not a reset).
    for (let i = 0; i < 20; i++) {
      const eager = await rawConnect(sock);
      eager.send(JSON.stringify({ v: 1, id: 1, verb: 'status', args: { names: [] } }) + '\n');
      assert.equal(((await eager.next()).error as { code: string }).code, 'BUSY');
      eager.close();
    }
    // A real client retries BUSY: it gets its answer as soon as a slot frees.
    const answer = request(sock, 'status', { names: [] }, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    held.pop()?.close();
    assert.equal((await answer).length, 2);
    for (const c of held) c.close();
  } finally {
    await server.close();
    tmp.cleanup();
  }
});

test('an idle connection is closed after the idle timeout, one with a request in flight is not', async () => {
  const tmp = tempDir();
  const sock = join(tmp.dir, 'dinit.sock');
  const target = new FakeTarget();
  const server = await startControlServer(sock, target, { idleTimeoutMs: 200 });
  try {
    const idle = await rawConnect(sock);
    target.holdWait = true;
    const busy = await rawConnect(sock);
    busy.send(JSON.stringify({ v: 1, id: 1, verb: 'wait', args: { names: ['web'], timeoutMs: 60_000 } }) + '\n');
    await idle.closed;
    // The waiting client outlives several idle periods.
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(busy.socket.destroyed, false);
    target.holdWait = false;
    target.release();
    assert.equal((await busy.next()).id, 1);
    busy.close();
  } finally {
    await server.close();
    tmp.cleanup();
  }
});

test('pipelined requests from a client that does not read wait unread, and run once it reads', async () => {
  const tmp = tempDir();
  const sock = join(tmp.dir, 'dinit.sock');
  const target = new FakeTarget();
  for (let i = 0; i < 2000; i++) target.lines.push({ time: 0, service: 'web', stream: 'stdout', line: 'x'.repeat(500) });
  const server = await startControlServer(sock, target);
  try {
    const c = await rawConnect(sock);
    c.socket.pause();
    const n = 200; // 200 × ~1 MB of replies if all were run at once
    c.send(Array.from({ length: n }, (_, id) => JSON.stringify({ v: 1, id, verb: 'logs', args: { names: [], n: 2000 } })).join('\n') + '\n');
    await waitUntil('the first requests to run', () => target.calls.filter((x) => x.verb === 'logs').length > 0);
    await new Promise((r) => setTimeout(r, 300));
    const ran = target.calls.filter((x) => x.verb === 'logs').length;
    assert.ok(ran < 10, `${ran} requests ran for a client that reads nothing`);
    c.socket.resume();
    const ids = new Set<unknown>();
    while (ids.size < n) ids.add((await c.next(20_000)).id);
    assert.equal(ids.size, n);
    c.close();
  } finally {
    await server.close();
    tmp.cleanup();
  }
});
