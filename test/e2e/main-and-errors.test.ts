// The container-facing contract of `dinit run`: main's exit code becomes
// dinit's (128+signal when killed), a service that cannot be executed fails
// alone with a clear message, an invalid config starts nothing and exits 2 with
// a located error, and a service's last line is printed even without a newline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDinit, writeConfig, makeTmpDir, isAlive, runCli } from '../helpers/dinit-process.js';
import { fixtureBin } from '../helpers/paths.js';
import { fixture, sh, failed, waitStarted, out, at, stopped, exitedCode } from './support.js';

test("main's exit code becomes dinit's exit code, after the other services are stopped", async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(dir, `services:\n  side: { command: ${fixture('long-running.js', 'side')} }\n`);
  const d = await startDinit({
    config,
    dir,
    t,
    command: [process.execPath, fixtureBin('exit-with.js'), '--code', '7', '--after', '300'],
  });
  await waitStarted(d, 'side');
  const status = await d.exited(10000);
  assert.deepEqual(status, { code: 7, signal: null }, d.dump());
  const exitLine = at(d, exitedCode('main', 7));
  assert.ok(at(d, stopped('side'), exitLine) > exitLine, d.dump());
  assert.ok(at(d, /^\[dinit\] exiting with code 7/) > exitLine, d.dump());
});

test('main killed by SIGKILL makes dinit exit with 137 (no config file needed)', async (t) => {
  const d = await startDinit({
    t,
    command: [process.execPath, fixtureBin('exit-with.js'), '--signal', 'SIGKILL', '--after', '100'],
  });
  const status = await d.exited(10000);
  assert.deepEqual(status, { code: 137, signal: null }, d.dump());
  assert.ok(at(d, /^\[dinit\] main killed by SIGKILL/) >= 0);
});

test('a service that cannot be executed fails with a clear message; the others run and dinit stays up', async (t) => {
  const dir = makeTmpDir();
  const noexec = join(dir, 'not-executable.sh');
  writeFileSync(noexec, '#!/bin/sh\necho hi\n', { mode: 0o644 });
  const config = writeConfig(
    dir,
    `services:
  ghost: { command: ["/nonexistent/dir/ghost-binary", "--flag"] }
  noexec: { command: [${JSON.stringify(noexec)}] }
  ok: { command: ${fixture('long-running.js', 'ok')} }
`,
  );
  const d = await startDinit({ config, dir, t });
  const ghost = await d.waitForLine(failed('ghost'), { timeoutMs: 10000 });
  assert.match(ghost, /ghost-binary/, 'names the program');
  assert.match(ghost, /no such file|not found|ENOENT/i, 'says why');
  const ne = await d.waitForLine(failed('noexec'), { timeoutMs: 10000 });
  assert.match(ne, /not-executable\.sh/, 'names the program');
  assert.match(ne, /permission denied|EACCES|not executable/i, 'says why');
  const ok = await waitStarted(d, 'ok');
  await d.waitForLine(out('ok', 'up ok'));
  assert.equal(isAlive(ok.pid), true);
  assert.equal(d.exitedStatus, null, 'dinit stays up');
  await d.signal('SIGTERM');
  assert.deepEqual(await d.exited(10000), { code: 0, signal: null }, d.dump());
  assert.ok(at(d, out('ok', 'bye ok')) >= 0);
});

test('an invalid config exits 2 with a file:line:col error on stderr and starts nothing', async (t) => {
  const dir = makeTmpDir();
  const marker = join(dir, 'started-marker');
  const config = writeConfig(
    dir,
    ['services:', '  good:', `    command: ${sh(`touch ${marker}; exec sleep 100`)}`, '  bad:', '    command: ["sleep", "100"]', '    depends-on: [good]', '    restrat: always', ''].join('\n'),
  );
  const d = await startDinit({ config, dir, t });
  const status = await d.exited(10000);
  assert.deepEqual(status, { code: 2, signal: null }, d.dump());
  const err = d.lines('stderr').join('\n');
  // `restrat` is on line 7, column 5.
  assert.match(err, /dinit\.yaml:7:5: .*restrat/, d.dump());
  assert.match(err, /restart/, 'suggests the key that was meant');
  assert.equal(d.lines('stdout').filter((l) => / started/.test(l)).length, 0, d.dump());
  assert.equal(existsSync(marker), false, 'no service process was run');
});

test("a service's last line is printed even without a trailing newline", async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(dir, `services:\n  partial: { command: ${sh("printf 'first line\\nno newline at end'")}, restart: never }\n`);
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(exitedCode('partial', 0));
  await d.waitForLine(out('partial', 'no newline at end$'));
  assert.ok(at(d, out('partial', 'first line$')) >= 0);
});

test("main's unterminated last line is printed before dinit exits", async (t) => {
  const d = await startDinit({ t, command: ['sh', '-c', "printf 'line one\\nmain tail'"] });
  const status = await d.exited(10000);
  assert.equal(status.code, 0, d.dump());
  assert.ok(at(d, out('main', 'line one$')) >= 0, d.dump());
  assert.ok(at(d, out('main', 'main tail$')) >= 0, d.dump());
});

test("Docker's CMD right after the ENTRYPOINT (no `--`) becomes main, and a missing program exits 127", async () => {
  const dir = makeTmpDir();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', DINIT_SOCKET: join(dir, 'dinit.sock') };
  delete env.DINIT_CONFIG;
  const ok = await runCli([process.execPath, fixtureBin('exit-with.js'), '--code', '5', '--after', '50'], { env, cwd: dir, timeoutMs: 15000 });
  assert.equal(ok.code, 5, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^\[dinit\] main started/m);
  const missing = await runCli(['no-such-program-frobnicate', '--flag'], { env, cwd: dir, timeoutMs: 15000 });
  assert.equal(missing.code, 127, missing.stdout + missing.stderr);
  assert.match(missing.stdout, /main failed to start: cannot execute 'no-such-program-frobnicate': not found in PATH \(ENOENT\)/);
});
