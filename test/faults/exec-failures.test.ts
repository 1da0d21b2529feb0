// Every way an exec can fail, in one supervisor next to a canary: each failing
// service is reported with the reason a person can act on, both in its event
// line and in `status`, and the canary keeps running with the same pid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTmpDir, writeConfig } from '../helpers/dinit-process.js';
import { fixture, waitStarted } from '../e2e/support.js';
import { startOwn, statusJson } from '../fuzz/own-build.js';

test('missing binary, no permission, bad interpreter, bad working-dir and unknown user each fail with a clear reason; the canary is untouched', async (t) => {
  const dir = makeTmpDir('dinit-faults-exec-');
  const noExec = join(dir, 'not-executable.sh');
  writeFileSync(noExec, '#!/bin/sh\necho hi\n');
  chmodSync(noExec, 0o644);
  const badInterp = join(dir, 'bad-interpreter.sh');
  writeFileSync(badInterp, '#!/nonexistent/interpreter\necho hi\n');
  chmodSync(badInterp, 0o755);
  const never = 'restart: never';
  const file = writeConfig(
    dir,
    `services:
  canary:
    command: ${fixture('long-running.js')}
  not-in-path:
    command: [dinit-no-such-program-xyz]
    ${never}
  no-such-file:
    command: [/nonexistent/bin/prog]
    ${never}
  no-permission:
    command: [${noExec}]
    ${never}
  bad-interpreter:
    command: [${badInterp}]
    ${never}
  bad-working-dir:
    command: [sleep, "1000"]
    working-dir: /nonexistent/dir
    ${never}
  unknown-user:
    command: [sleep, "1000"]
    user: dinit-no-such-user
    ${never}
  unknown-uid-group:
    command: [sleep, "1000"]
    user: "root:dinit-no-such-group"
    ${never}
`,
  );
  const d = await startOwn({ config: file, dir, t });
  const { pid } = await waitStarted(d, 'canary', { timeoutMs: 10_000 });
  const expected: Record<string, RegExp> = {
    'not-in-path': /cannot execute 'dinit-no-such-program-xyz': not found in PATH \(ENOENT\)/,
    'no-such-file': /cannot execute '\/nonexistent\/bin\/prog': no such file \(ENOENT\)/,
    'no-permission': /permission denied \(EACCES\)/,
    'bad-interpreter': /its interpreter \(the #! line\) was not found \(ENOENT\)/,
    'bad-working-dir': /working-dir \/nonexistent\/dir does not exist/,
    'unknown-user': /unknown user 'dinit-no-such-user'/,
    'unknown-uid-group': /unknown group 'dinit-no-such-group'/,
  };
  for (const [name, re] of Object.entries(expected)) {
    const line = await d.waitForLine(new RegExp(`^\\[dinit\\] ${name} failed`), { timeoutMs: 10_000 });
    assert.match(line, re, `event line of ${name}`);
  }
  const rows = await statusJson(d);
  const byName = new Map(rows.map((r) => [r.name as string, r]));
  for (const [name, re] of Object.entries(expected)) {
    const row = byName.get(name);
    assert.ok(row, `status has ${name}`);
    assert.equal(row.failed, true, `${name} is failed: ${JSON.stringify(row)}`);
    assert.equal(row.pid, null, `${name} has no pid`);
    assert.match(String(row.reason), re, `status reason of ${name}`);
  }
  assert.equal(byName.get('canary')?.pid, pid, 'the canary kept its pid');
  assert.equal(byName.get('canary')?.state, 'started');
  assert.equal(d.exitedStatus, null, 'dinit is still running');
});

test('a command that cannot be executed under a umask (the exec-as wrapper) fails like any other, and is never counted started', async (t) => {
  // The wrapper is a Node process that execs the service: until this was fixed, its
  // own start counted as the service's, the exec failure was dropped, and the service
  // showed "started" with a dead pid that no stop could end.
  const dir = makeTmpDir('dinit-faults-exec-as-');
  const file = writeConfig(
    dir,
    `services:
  ghost:
    command: [dinit-no-such-program-xyz]
    umask: "022"
    restart: never
`,
  );
  const d = await startOwn({ config: file, dir, t });
  const line = await d.waitForLine(/^\[dinit\] ghost (failed|started)/, { timeoutMs: 10_000 });
  assert.match(line, /ghost failed to start: cannot execute 'dinit-no-such-program-xyz': not found in PATH \(ENOENT\)/);
  const row = (await statusJson(d)).find((r) => r.name === 'ghost');
  assert.ok(row, 'status has ghost');
  assert.equal(row.failed, true, JSON.stringify(row));
  assert.equal(row.pid, null);
});
