// A reload applies what needs no restart: changing only keys read at stop,
// exit, restart or probe time (stop-timeout, restart-*, health, log…) updates
// the running service in place; a change to how it starts restarts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { makeTmpDir, startDinit, writeConfig } from '../helpers/dinit-process.js';
import { statusOf, waitStarted } from './support.js';

test('a reload that changes only stop-timeout, restart-delay, health and log.buffer keeps the process; a command change restarts it', async (t) => {
  const dir = makeTmpDir();
  const yaml = (extra: string, arg = '300'): string => `services:\n  app:\n    command: [sleep, "${arg}"]\n${extra}  dep:\n    command: [sleep, "301"]\n    depends-on: [app]\n`;
  const config = writeConfig(dir, yaml('    stop-timeout: 3s\n'));
  const d = await startDinit({ t, dir, config });
  await waitStarted(d, 'dep');
  const before = await statusOf(d, 'app');
  const depBefore = await statusOf(d, 'dep');
  writeFileSync(config, yaml('    stop-timeout: 7s\n    restart-delay: 1s\n    log: { buffer: 10 }\n    health: { exec: "true", interval: 1s }\n'));
  const r = await d.cli(['reload']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'updated in place: app\n');
  await d.waitForLine(/^\[dinit\] reloaded .*: updated in place app$/, { timeoutMs: 10_000 });
  assert.equal((await statusOf(d, 'app')).pid, before.pid, 'same process');
  assert.equal((await statusOf(d, 'dep')).pid, depBefore.pid, 'its dependent untouched');

  writeFileSync(config, yaml('    stop-timeout: 7s\n', '302'));
  const mark = d.lines().length;
  const r2 = await d.cli(['reload']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(r2.stdout, 'restarted (changed): app\n');
  await d.waitForLine(/^\[dinit\] dep started/, { from: mark, timeoutMs: 15_000 });
  assert.notEqual((await statusOf(d, 'app')).pid, before.pid, 'a new process');
});
