// on-exit hooks and a process service's stop-command, through the real binary
// with real processes: the hook's environment, its prefixed output, its
// failure reported and never fatal; stop-command sent instead of stop-signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDinit, writeConfig, makeTmpDir } from '../helpers/dinit-process.js';
import { sh, ev, out, waitStarted, statusOf, stopped, killedBy } from './support.js';

// $${…} is a literal ${…} for the shell (dinit expands ${…} in the config itself).
const report = sh('echo "hook svc=$DINIT_SERVICE code=$${DINIT_EXIT_CODE:-none} sig=$${DINIT_EXIT_SIGNAL:-none} restarts=$DINIT_RESTARTS will=$DINIT_WILL_RESTART"');

test('on-exit runs after each exit with the exit, the restarts and whether it comes back; its output is prefixed NAME:on-exit', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  crasher: { command: ${sh('exit 3')}, restart: on-failure, restart-delay: 0, restart-limit: { count: 1, interval: 60s }, on-exit: ${report} }
  sleeper: { command: [sleep, "1000"], on-exit: ${report} }
`,
  );
  const d = await startDinit({ config, dir, t });
  const first = await d.waitForEntry(out('crasher:on-exit', 'hook svc=crasher code=3 sig=none restarts=1 will=yes'));
  await d.waitForEntry(out('crasher:on-exit', 'hook svc=crasher code=3 sig=none restarts=1 will=no'), { from: first.index + 1 });
  await d.waitForLine(ev('crasher', 'failed'));
  await waitStarted(d, 'sleeper');
  const r = await d.cli(['signal', 'KILL', 'sleeper']);
  assert.equal(r.code, 0, r.stderr);
  await d.waitForLine(killedBy('sleeper', 'SIGKILL'));
  await d.waitForLine(out('sleeper:on-exit', 'hook svc=sleeper code=none sig=SIGKILL restarts=1 will=yes'));
});

test('a failing or overrunning on-exit is reported and changes nothing: the service restarts as usual', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  a: { command: ${sh('sleep 0.2; exit 1')}, restart-delay: 0, restart-limit: { count: 1, interval: 60s }, on-exit: ${sh('exit 7')} }
  b: { command: ${sh('sleep 0.2; exit 1')}, restart: never, stop-timeout: 300ms, on-exit: [sleep, "1000"] }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(ev('a:on-exit', 'failed: exited with code 7'));
  const restart = await d.waitForEntry(ev('a', 'restarting'));
  await waitStarted(d, 'a', { from: restart.index });
  await d.waitForLine(ev('b:on-exit', 'did not finish within stop-timeout 300ms, sending SIGKILL'));
  await d.waitForLine(ev('b:on-exit', 'killed by SIGKILL'));
  assert.equal((await statusOf(d, 'b')).failed, true);
});

test('stop-command stops a process service instead of stop-signal; one that does not stop it meets SIGKILL after stop-timeout', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  polite:
    command: ${sh('echo $$$$ > polite.pid; trap "echo got-term" TERM; trap "echo got-usr1; exit 0" USR1; echo up; while :; do sleep 0.05; done')}
    working-dir: .
    stop-command: ${sh('echo "asking $DINIT_SERVICE"; kill -USR1 $(cat polite.pid)')}
  deaf:
    command: ${sh('trap "" TERM; while :; do sleep 0.05; done')}
    stop-command: [true]
    stop-timeout: 300ms
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(out('polite', 'up'));
  await waitStarted(d, 'deaf');
  const r = await d.cli(['stop', 'polite', 'deaf']);
  assert.equal(r.code, 0, r.stderr);
  await d.waitForLine(out('polite:stop-command', 'asking polite'));
  await d.waitForLine(out('polite', 'got-usr1'));
  await d.waitForLine(stopped('polite'));
  assert.equal(d.indexOf(out('polite', 'got-term')), -1, d.dump());
  await d.waitForLine(ev('deaf', 'did not stop within stop-timeout 300ms, sending SIGKILL'));
  await d.waitForLine(stopped('deaf'));
});
