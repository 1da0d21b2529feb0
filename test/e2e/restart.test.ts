// Restart policies and the restart limit with real exiting processes. Absence
// ("was not restarted") is proven against a sentinel service that exits well
// after every restart delay has passed, not by sleeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDinit, writeConfig, makeTmpDir, isAlive, waitUntil } from '../helpers/dinit-process.js';
import { fixture, exitedCode, startedPid, waitStarted, restarting, count, failed, stopped, out, at, ev } from './support.js';

/** A service that exits with `code` after `after` ms; fast restarts with a limit no test reaches. */
const exit = (code: number, after: number): string => fixture('exit-with.js', '--code', code, '--after', after);
const fast = 'restart-delay: 50ms, restart-limit: { count: 100, interval: 10s }';

test('restart: never / on-failure / always decide by the exit code', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  never-bad: { command: ${exit(3, 100)}, restart: never, ${fast} }
  onfail-ok: { command: ${exit(0, 100)}, restart: on-failure, ${fast} }
  onfail-bad: { command: ${exit(1, 100)}, restart: on-failure, ${fast} }
  always-ok: { command: ${exit(0, 100)}, restart: always, ${fast} }
  sentinel: { command: ${exit(0, 1000)}, restart: never }
`,
  );
  const d = await startDinit({ config, dir, t });
  const s = await waitStarted(d, 'sentinel');
  await d.waitForLine(exitedCode('sentinel', 0), { from: s.index, timeoutMs: 10000 });
  // Both restartable services must have come back at least once by now.
  await d.waitForLine(restarting('onfail-bad'));
  await d.waitForLine(restarting('always-ok'));
  assert.ok(count(d, startedPid('onfail-bad')) >= 2, d.dump());
  assert.ok(count(d, startedPid('always-ok')) >= 2, d.dump());
  // The others ran once: their exit was seen, no restart was announced.
  assert.ok(at(d, exitedCode('never-bad', 3)) >= 0);
  assert.ok(at(d, exitedCode('onfail-ok', 0)) >= 0);
  assert.equal(count(d, startedPid('never-bad')), 1, d.dump());
  assert.equal(count(d, startedPid('onfail-ok')), 1, d.dump());
  assert.equal(count(d, restarting('never-bad')), 0, d.dump());
  assert.equal(count(d, restarting('onfail-ok')), 0, d.dump());
});

const flaky = (extraOptions: string): string => `${extraOptions}services:
  flaky:
    command: ${fixture('crash-after.js', '--after', 250, '--code', 1)}
    restart: always
    restart-delay: 50ms
    restart-limit: { count: 2, interval: 20s }
  dep: { command: ${fixture('long-running.js', 'dep')}, depends-on: [flaky] }
  bystander: { command: ${fixture('long-running.js', 'bystander')} }
`;

test('beyond the restart limit the service is failed and its hard dependents stay stopped', async (t) => {
  const dir = makeTmpDir();
  const d = await startDinit({ config: writeConfig(dir, flaky('')), dir, t });
  const line = await d.waitForLine(failed('flaky'), { timeoutMs: 10000 });
  assert.match(line, /restart/i, 'the failure line says why');
  // count: 2 → the first run plus two restarts.
  assert.equal(count(d, startedPid('flaky')), 3, d.dump());
  assert.equal(count(d, out('flaky', 'running')), 3, d.dump());
  // dep was rolled back and is not running; its last event is a stop.
  const lastDepEvent = (): string =>
    d
      .lines()
      .filter((l) => ev('dep', '').test(l))
      .at(-1) ?? '';
  await waitUntil('dep to end stopped', () => stopped('dep').test(lastDepEvent()), 5000).catch(() => {
    assert.fail(`dep's last event is not "stopped"\n${d.dump()}`);
  });
  for (const l of d.lines().filter((x) => startedPid('dep').test(x))) {
    assert.equal(isAlive(Number(startedPid('dep').exec(l)![1])), false, `dep process must be gone\n${d.dump()}`);
  }
  // on-failure: continue (default): dinit and the bystander keep running.
  const b = await waitStarted(d, 'bystander');
  assert.equal(isAlive(b.pid), true);
  assert.equal(d.exitedStatus, null, 'dinit keeps running');
  // And a requested shutdown afterwards exits 0.
  await d.signal('SIGTERM');
  assert.deepEqual(await d.exited(10000), { code: 0, signal: null });
});

test('on-failure: shutdown stops the container with exit code 1 when a service fails for good', async (t) => {
  const dir = makeTmpDir();
  const d = await startDinit({ config: writeConfig(dir, flaky('options: { on-failure: shutdown }\n')), dir, t });
  const status = await d.exited(15000);
  assert.deepEqual(status, { code: 1, signal: null }, d.dump());
  const f = at(d, failed('flaky'));
  assert.ok(at(d, /^\[dinit\] shutting down/, f) > f, d.dump());
  assert.ok(at(d, out('bystander', 'bye bystander'), f) > f, 'the bystander was stopped in order');
  assert.ok(at(d, /^\[dinit\] exiting with code 1/) > f, d.dump());
});

test('success-exit-codes: a listed exit completes a service, and main exiting so makes dinit exit 0', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  done3: { command: ${exit(3, 100)}, restart: on-failure, success-exit-codes: [0, 3], ${fast} }
  bad3: { command: ${exit(3, 100)}, restart: on-failure, ${fast} }
  app: { command: ${exit(3, 1500)}, main: true, success-exit-codes: [0, 3] }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(restarting('bad3'), { timeoutMs: 10000 });
  const st = await d.exited(15000);
  assert.equal(st.code, 0, d.dump());
  assert.ok(at(d, exitedCode('done3', 3)) >= 0, d.dump());
  assert.equal(count(d, startedPid('done3')), 1, d.dump());
  assert.equal(count(d, restarting('done3')), 0, d.dump());
  assert.ok(count(d, startedPid('bad3')) >= 2, d.dump());
});
