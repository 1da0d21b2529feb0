// Services that misbehave in the ways real programs do — close their output
// and carry on, ignore every signal, get OOM-killed, fork a thousand children
// and leave, daemonise — are each handled and reported, and a canary service
// next to them keeps running with the same pid throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { descendantsOf, isAlive, makeTmpDir, waitUntil, writeConfig, zombiesUnder } from '../helpers/dinit-process.js';
import { fixture, killedBy, out, sh, stopped, waitStarted } from '../e2e/support.js';
import { cli, startOwn, statusJson } from '../fuzz/own-build.js';

test('closed stdout, signals ignored, an OOM-style SIGKILL: each reported for what it is, the canary untouched', async (t) => {
  const dir = makeTmpDir('dinit-faults-mis-');
  const closed = join(dir, 'closed');
  const file = writeConfig(
    dir,
    `services:
  canary:
    command: ${fixture('long-running.js')}
  quiet:
    command: ${sh(`echo closing; exec >&- 2>&-; touch '${closed}'; exec sleep 1000`)}
  stubborn:
    command: ${fixture('ignore-all-signals.js')}
    stop-timeout: 300ms
  oom:
    command: ${fixture('long-running.js')}
    restart: never
`,
  );
  const d = await startOwn({ config: file, dir, t });
  const canary = await waitStarted(d, 'canary', { timeoutMs: 10_000 });
  const quiet = await waitStarted(d, 'quiet');
  const oom = await waitStarted(d, 'oom');
  await d.waitForLine(out('stubborn', 'ready'));

  // A service that closes stdout and stderr but keeps running is still running.
  await waitUntil('quiet to close its output', () => existsSync(closed), 5000);
  await d.waitForLine(out('quiet', 'closing'));
  let rows = await statusJson(d, ['quiet']);
  assert.equal(rows[0]?.state, 'started', d.dump());
  assert.equal(rows[0].pid, quiet.pid);
  const stopQuiet = await cli(d, ['stop', 'quiet']);
  assert.equal(stopQuiet.code, 0, stopQuiet.stderr);

  // Ignoring every signal only delays the stop until SIGKILL.
  const mark = d.mark();
  const stopStubborn = await cli(d, ['stop', 'stubborn']);
  assert.equal(stopStubborn.code, 0, stopStubborn.stderr);
  await d.waitForLine(/^\[dinit\] stubborn did not stop within stop-timeout 300ms, sending SIGKILL/, { from: mark });
  await d.waitForLine(stopped('stubborn'), { from: mark });

  // The OOM killer (simulated): SIGKILL from outside is reported as such.
  process.kill(oom.pid, 'SIGKILL');
  await d.waitForLine(killedBy('oom', 'SIGKILL'));
  rows = await statusJson(d, ['oom', 'canary']);
  assert.equal(rows[0]?.exitSignal, 'SIGKILL');
  assert.match(String(rows[0].reason), /killed by SIGKILL/);
  assert.equal(rows[1]?.pid, canary.pid, 'the canary kept its pid');
  assert.equal(rows[1].state, 'started');
});

test('a service that forks 1000 children and exits: every child is reaped, nothing else is disturbed', async (t) => {
  const dir = makeTmpDir('dinit-faults-fork-');
  const file = writeConfig(
    dir,
    `services:
  canary:
    command: ${fixture('long-running.js')}
  forker:
    command: ${sh('i=0; while [ $i -lt 1000 ]; do sleep 1 & i=$((i+1)); done; echo forked $i; exit 0')}
    restart: never
`,
  );
  const d = await startOwn({ config: file, dir, t });
  const canary = await waitStarted(d, 'canary', { timeoutMs: 10_000 });
  await d.waitForLine(out('forker', 'forked 1000'), { timeoutMs: 60_000 });
  await d.waitForLine(/^\[dinit\] forker (stopped|exited)/, { timeoutMs: 30_000 });
  // All 1000 end within a second or so on an idle machine; each must be reaped, none left a zombie.
  // The deadline is for a loaded CI machine (1000 forks and exits at load ~40), not a speed target.
  await waitUntil(
    'the 1000 children to be gone and reaped',
    () => {
      const left = descendantsOf(d.pid).filter((p) => p !== canary.pid);
      return left.length === 0 && zombiesUnder(d.pid, true).length === 0;
    },
    60_000,
    50,
  );
  const rows = await statusJson(d, ['canary']);
  assert.equal(rows[0]?.pid, canary.pid, 'the canary kept its pid');
  assert.ok(isAlive(canary.pid));
});

test('a service that daemonises (double fork) leaves a daemon that is reaped when it ends; the canary is untouched', async (t) => {
  const dir = makeTmpDir('dinit-faults-daemon-');
  const file = writeConfig(
    dir,
    `services:
  canary:
    command: ${fixture('long-running.js')}
  daemon:
    command: ${fixture('daemonize.js', '--hold', 800)}
    restart: never
`,
  );
  const d = await startOwn({ config: file, dir, t });
  const canary = await waitStarted(d, 'canary', { timeoutMs: 10_000 });
  const line = await d.waitForLine(out('daemon', 'daemon (\\d+)'));
  const daemonPid = Number(/daemon (\d+)/.exec(line)?.[1]);
  assert.ok(daemonPid > 0);
  await d.waitForLine(/^\[dinit\] daemon (stopped|exited)/, { timeoutMs: 10_000 });
  // Under the default `orphans: reap` the daemon runs on, as dinit's child, until it exits.
  assert.ok(descendantsOf(d.pid).includes(daemonPid) || !isAlive(daemonPid), 'the daemon was reparented to dinit');
  await waitUntil('the daemon to end and be reaped', () => !isAlive(daemonPid) && zombiesUnder(d.pid, true).length === 0, 10_000, 20);
  const rows = await statusJson(d, ['canary']);
  assert.equal(rows[0]?.pid, canary.pid);
});
