// Errors that name the real cause (issue #18.6): root without CAP_SETUID is not
// "needs root"; a rejected SIGHUP reload changed nothing (it did not "start"
// anything); a shutdown prints no restart plans; and when the shutdown had to
// kill, dinit's last line says which services.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dinitBin, makeTmpDir, startDinit, writeConfig } from '../helpers/dinit-process.js';
import { permissionHint } from '../../src/os/spawn-errors.js';
import { fixture, waitStarted } from './support.js';

const isRoot = process.getuid?.() === 0;

test('the EPERM hint says what is missing: root, or CAP_SETUID/CAP_SETGID', () => {
  assert.match(permissionHint(1000, 0n), /needs root \(dinit runs as uid 1000\)/);
  const all = (1n << 41n) - 1n;
  assert.match(permissionHint(0, all & ~(1n << 7n) & ~(1n << 6n)), /runs as root but lacks CAP_SETUID and CAP_SETGID .*--cap-drop ALL.*--cap-add SETUID --cap-add SETGID/);
  assert.match(permissionHint(0, all & ~(1n << 6n)), /lacks CAP_SETGID \(/);
  assert.doesNotMatch(permissionHint(0, all), /needs root/);
});

test('as root without CAP_SETUID/CAP_SETGID, a service with user: says so instead of "needs root"', { skip: !isRoot && 'needs root' }, async () => {
  const dir = makeTmpDir();
  const config = writeConfig(dir, `options: { on-failure: shutdown }\nservices:\n  web: { command: [sleep, "300"], user: "65534:65534", restart: never }\n`);
  const output = await new Promise<string>((resolve) => {
    execFile(
      'setpriv',
      ['--bounding-set', '-setuid,-setgid', process.execPath, dinitBin, 'run', '-c', config, '--socket', `${dir}/s.sock`],
      { timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } },
      (_err, stdout, stderr) => resolve(stdout + stderr),
    );
  });
  assert.match(output, /\[dinit\] web failed.*EPERM.*runs as root but lacks CAP_SETUID and CAP_SETGID/, output);
  assert.doesNotMatch(output, /needs root/, output);
});

test('a SIGHUP reload of an invalid file says nothing changed', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(dir, `services:\n  a: { command: [sleep, "300"] }\n`);
  const d = await startDinit({ t, dir, config });
  await waitStarted(d, 'a');
  writeFileSync(config, `services:\n  a: { command: [sleep, "300"], stop-timout: 1s }\n`);
  await d.signal('SIGHUP');
  await d.waitForLine(/^\[dinit\] reload \(SIGHUP\) rejected, keeping the running config \(nothing changed\):$/, { timeoutMs: 10_000 });
  await d.waitForLine(/stop-timout/, { timeoutMs: 10_000 });
  assert.ok(!d.lines().some((l) => /nothing was started/.test(l)), d.dump());
});

test('a second SIGINT kills at once with no restart messages, and the last line names what was killed', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  db: { command: ${fixture('ignore-sigterm.js')}, stop-timeout: 60s }
  api: { command: ${fixture('ignore-sigterm.js')}, stop-timeout: 60s, depends-on: [db] }
`,
  );
  const d = await startDinit({ t, dir, config });
  // Both ignore SIGTERM only once their handler is installed: they say `ready` then.
  await d.waitForLine(/^db\s+\| ready/, { timeoutMs: 10_000 });
  await d.waitForLine(/^api\s+\| ready/, { timeoutMs: 10_000 });
  await d.signal('SIGINT');
  await d.waitForLine(/^\[dinit\] api stopping/, { timeoutMs: 10_000 });
  await d.signal('SIGINT');
  assert.deepEqual(await d.exited(20_000), { code: 0, signal: null }, d.dump());
  assert.ok(!d.lines().some((l) => /restarting in/.test(l)), `no restart while shutting down\n${d.dump()}`);
  assert.match(d.lines().at(-1) ?? '', /^\[dinit\] exiting with code 0 \(db, api had to be killed: SIGINT again\)$/, d.dump());
});

test('when shutdown-timeout forces SIGKILL, the last line names the services it killed', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `options: { shutdown-timeout: 1s }
services:
  stubborn: { command: ${fixture('ignore-sigterm.js')}, stop-timeout: 60s }
  polite: { command: [sleep, "300"] }
`,
  );
  const d = await startDinit({ t, dir, config });
  await waitStarted(d, 'stubborn');
  await d.waitForLine(/^stubborn\s+\| ready/, { timeoutMs: 10_000 });
  await d.signal('SIGTERM');
  assert.deepEqual(await d.exited(20_000), { code: 0, signal: null }, d.dump());
  assert.match(d.lines().at(-1) ?? '', /^\[dinit\] exiting with code 0 \(stubborn had to be killed: shutdown-timeout 1s reached\)$/, d.dump());
});
