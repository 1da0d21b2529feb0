// A SIGTERM during start-up is not lost. As PID 1 a signal with no handler is
// discarded by the kernel: before the launcher caught TERM/INT/HUP first
// thing, a `docker stop` that came while Node loaded dinit and dinit loaded a
// large config was dropped, dinit started every service and ran on until
// Docker's SIGKILL. The test sends SIGTERM the moment dinit (PID 1 of a new
// namespace) catches SIGHUP — /proc's SigCgt says when; not SIGTERM, which
// Node itself catches during its boot only to re-raise it (lost as PID 1: the
// window that is left) — while a config of thousands of services still loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { dinitBin, makeTmpDir, startDinit, waitUntil, writeConfig } from '../helpers/dinit-process.js';

const SIGHUP_BIT = 1n << 0n; // signal 1: installed with TERM and INT by the launcher, and by nothing in Node's boot

function catchesHup(pid: number): boolean {
  try {
    const m = /SigCgt:\s+([0-9a-f]+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m !== null && (BigInt(`0x${m[1]}`) & SIGHUP_BIT) !== 0n;
  } catch {
    return false;
  }
}

test('as PID 1, a SIGTERM that arrives while the config loads stops dinit at once, starting nothing, exit 0', async (t) => {
  const dir = makeTmpDir();
  const n = 3000;
  const lines = ['services:'];
  for (let i = 0; i < n; i++) lines.push(`  s${i}: { type: internal${i > 0 ? `, depends-on: [s${i - 1}]` : ''} }`);
  lines.push(`  last: { command: [sleep, "1000"], depends-on: [s${n - 1}] }`);
  const config = writeConfig(dir, lines.join('\n') + '\n');
  const d = await startDinit({ config, dir, t, pidns: true });
  const pid = await d.dinitPid();
  await waitUntil('dinit to catch signals', () => catchesHup(pid), 20_000, 1);
  process.kill(pid, 'SIGTERM');
  const st = await d.exited(30_000);
  assert.equal(st.code, 0, d.dump());
  assert.ok(d.lines().includes('[dinit] received SIGTERM during start-up: starting nothing'), d.dump());
  assert.ok(!d.lines().some((l) => /started/.test(l) && !/starting nothing/.test(l)), `a service was started:\n${d.dump()}`);
});

test('a client verb gives the early handlers back: SIGTERM ends a `dinit status` that waits for a reply', async () => {
  const dir = makeTmpDir();
  const sock = join(dir, 's.sock');
  const srv = createServer(() => undefined); // accepts, never answers
  await new Promise<void>((r) => srv.listen(sock, r));
  const connected = new Promise<void>((r) => srv.once('connection', () => r()));
  const child = spawn(process.execPath, [dinitBin, 'status', '--socket', sock], { stdio: 'ignore' });
  const exit = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
  await connected;
  child.kill('SIGTERM');
  assert.equal(await exit, 'SIGTERM', 'the client died of the signal, as without a handler');
  srv.close();
});
