// type: forking through the real binary: a real daemon (`sleep` put in the
// background by sh, which exits 0) found through its pid file, supervised as
// dinit's own child — its exit reaped and restarted like a process service's —
// and the start failures a missing or stale pid file make.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDinit, writeConfig, makeTmpDir, isAlive, waitUntil } from '../helpers/dinit-process.js';
import { sh, ev, waitStarted, statusOf, stopped, killedBy } from './support.js';

test('a forking daemon is supervised through its pid file: its pid in status, its crash restarted, its stop signalled', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  daemon: { type: forking, command: ${sh('sleep 1000 & echo $! > daemon.pid')}, working-dir: ., pid-file: daemon.pid, restart-delay: 0 }
`,
  );
  const d = await startDinit({ config, dir, t });
  const first = await waitStarted(d, 'daemon');
  assert.equal(readFileSync(join(dir, 'daemon.pid'), 'utf8').trim(), String(first.pid));
  // The pid is sh's background child, which execs sleep in its own time.
  await waitUntil('the daemon to exec sleep', () => /^sleep\0/.test(readFileSync(`/proc/${first.pid}/cmdline`, 'utf8')));
  const s = await statusOf(d, 'daemon');
  assert.equal(s.state, 'started');
  assert.equal(s.pid, first.pid);
  // Its crash is reaped by dinit and restarted like a process service's.
  process.kill(first.pid, 'SIGKILL');
  await d.waitForLine(killedBy('daemon', 'SIGKILL'));
  const again = await waitStarted(d, 'daemon', { from: first.index + 1 });
  assert.notEqual(again.pid, first.pid);
  const r = await d.cli(['stop', 'daemon']);
  assert.equal(r.code, 0, r.stderr);
  await d.waitForLine(stopped('daemon'));
  assert.equal(isAlive(again.pid), false);
});

test('a missing or stale pid file fails the start with that reason', async (t) => {
  const dir = makeTmpDir();
  writeFileSync(join(dir, 'stale.pid'), `${process.pid}\n`); // alive, but not dinit's child
  const config = writeConfig(
    dir,
    `services:
  missing: { type: forking, command: [true], pid-file: nowhere.pid, start-timeout: 1s, restart: never }
  stale: { type: forking, command: [true], pid-file: stale.pid, start-timeout: 1s, restart: never }
  broken: { type: forking, command: ${sh('exit 4')}, pid-file: x.pid, restart: never }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(ev('missing', `failed to start: pid file ${join(dir, 'nowhere.pid')} does not exist`));
  await d.waitForLine(ev('stale', `failed to start: stale pid file .*: process ${process.pid} is not dinit's child`));
  await d.waitForLine(ev('broken', 'failed to start: the command exited with code 4'));
  assert.equal((await statusOf(d, 'missing')).failed, true);
});
