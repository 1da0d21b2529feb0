// `dinit restart` against real processes: a stop issued while the restart is
// still taking the service down cancels it (dinit's test_restart_stop1/2), and
// `restart --no-wait` answers at once. s1 stops slowly (it exits a while after
// SIGTERM), so the stop phase is long enough to act in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from '../../src/control/client.js';
import { makeTmpDir, startDinit, writeConfig } from '../helpers/dinit-process.js';
import { fixture, out, stopping, waitStarted, statusOf } from './support.js';

const slow = (s1Extra: string): string => `services:
  s1: { command: ${fixture('long-running.js', 's1', '--stop-delay', 1500)}, stop-timeout: 20s${s1Extra} }
  s2: { command: ${fixture('long-running.js', 's2')}, depends-on: [s1] }
`;

for (const [what, extra, stopWhom] of [
  ['the service', '', 's1'],
  ['the dependent that needed it', ', auto-start: false', 's2'],
] as const) {
  test(`a stop of ${what} while a restart is still stopping cancels the restart: both end stopped`, async (t) => {
    const dir = makeTmpDir();
    const d = await startDinit({ config: writeConfig(dir, slow(extra)), dir, t });
    // long-running.js prints `up` once its SIGTERM handler (the slow stop) is in place.
    await d.waitForLine(out('s1', 'up s1'));
    await waitStarted(d, 's2');
    const from = d.mark();
    const restart = request(d.socket, 'restart', { names: ['s1'], wait: true }, { timeoutMs: 15000 });
    await d.waitForLine(stopping('s1'), { from });
    const stop = await request(d.socket, 'stop', { names: [stopWhom], wait: true }, { timeoutMs: 15000 });
    assert.equal(stop.ok, true, JSON.stringify(stop));
    const r = await restart;
    assert.equal(r.ok, false, `the restart went on: ${JSON.stringify(r)}\n${d.dump()}`);
    assert.equal((await statusOf(d, 's1')).state, 'stopped', d.dump());
    assert.equal((await statusOf(d, 's2')).state, 'stopped', d.dump());
  });
}

test('restart --no-wait answers while the service is still stopping', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  s1: { command: ${fixture('long-running.js', 's1', '--stop-delay', 60000)}, stop-timeout: 60s }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(out('s1', 'up s1'));
  const r = await d.cli(['restart', '--no-wait', 's1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 's1: restarting\n');
  assert.equal((await statusOf(d, 's1')).state, 'stopping', d.dump());
});
