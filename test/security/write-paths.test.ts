// A dinit.yaml cannot make dinit write outside the paths it names: a full run
// (services with log files and rotation, output, a reload, a shutdown) leaves
// every other directory it could plausibly touch — its cwd, HOME, TMPDIR,
// XDG_RUNTIME_DIR, the config's directory, /run — exactly as it was; the log
// file and its rotations appear only where log.file says, the socket only at
// the chosen path (and is removed on exit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTmpDir, writeConfig } from '../helpers/dinit-process.js';
import { fixture, waitStarted } from '../e2e/support.js';
import { cli, startOwn } from '../fuzz/own-build.js';

/** Every path under dir, recursively (sorted). */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(p);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

test('dinit writes only the log files and the socket a config names, nowhere else', async (t) => {
  const root = makeTmpDir('dinit-sec-writes-');
  const dirs = Object.fromEntries(['cwd', 'home', 'tmp', 'xdg', 'conf', 'logs', 'sock'].map((n) => [n, join(root, n)]));
  for (const d of Object.values(dirs)) mkdirSync(d);
  const logFile = join(dirs.logs!, 'web.log');
  const socket = join(dirs.sock!, 'dinit.sock');
  const file = writeConfig(
    dirs.conf!,
    `services:
  web:
    command: ${fixture('flood-output.js', '--lines', 3000, '--size', 100)}
    restart: never
    log: { file: ${logFile}, max-size: 64KB, keep: 2 }
  canary:
    command: ${fixture('long-running.js')}
`,
  );
  const runExisted = existsSync('/run') ? new Set(readdirSync('/run')) : new Set<string>();
  const before = tree(root);
  const d = await startOwn({
    config: file,
    dir: dirs.cwd!,
    cwd: dirs.cwd!,
    socket,
    t,
    env: { HOME: dirs.home!, TMPDIR: dirs.tmp!, XDG_RUNTIME_DIR: dirs.xdg! },
  });
  await waitStarted(d, 'canary', { timeoutMs: 10_000 });
  await d.waitForLine(/^\[dinit\] web (stopped|exited)/, { timeoutMs: 15_000 });
  assert.equal((await cli(d, ['reload'])).code, 0);
  assert.equal((await cli(d, ['status'])).code, 0);
  assert.equal((await cli(d, ['shutdown'])).code, 0);
  assert.equal((await d.exited()).code, 0);

  const after = tree(root);
  const added = after.filter((p) => !before.includes(p));
  const allowed = (p: string): boolean => p.startsWith(dirs.logs + '/') && /\/web\.log(\.\d+)?$/.test(p);
  assert.deepEqual(
    added.filter((p) => !allowed(p)),
    [],
    'files written outside the named paths',
  );
  assert.ok(added.includes(logFile), `the log file was written: ${added.join(', ')}`);
  assert.ok(readdirSync(dirs.logs!).length <= 3, `rotation keeps 2: ${readdirSync(dirs.logs!).join(', ')}`);
  assert.equal(existsSync(socket), false, 'the socket is removed on exit');
  const runNow = existsSync('/run') ? readdirSync('/run') : [];
  assert.deepEqual(
    runNow.filter((n) => !runExisted.has(n) && /dinit/.test(n)),
    [],
    'nothing written in /run',
  );
});
