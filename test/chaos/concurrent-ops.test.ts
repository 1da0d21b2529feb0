// Regression for a hang chaos found (seed 16): `restart base` stops base's
// dependents first; a `start` of one of them meanwhile needs base and lifts
// its stop, so base never stops — and the restart (or a `stop`) waited for
// that forever. Now the wait settles: restart goes on to its start, stop
// reports that the service was started again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { request } from '../../src/control/client.js';
import { makeTmpDir, startDinit, writeConfig } from '../helpers/dinit-process.js';
import { buildRoot } from '../helpers/paths.js';
import { fixture, stopping, waitStarted } from '../e2e/support.js';

const bin = join(buildRoot, 'src', 'bin', 'dinit.js');

test('a restart or stop whose service is started again by a concurrent start settles instead of waiting forever', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  base: { command: "sleep 100000" }
  dep: { command: ${fixture('long-running.js', 'dep', '--stop-delay', 4000)}, depends-on: [base], stop-timeout: 20s, ready: { log: "^up dep$" } }
`,
  );
  const d = await startDinit({ config, dir, t, bin });
  await waitStarted(d, 'dep');
  for (const verb of ['restart', 'stop'] as const) {
    const from = d.mark();
    const op = request(d.socket, verb, { names: ['base'], wait: true }, { timeoutMs: 30_000 });
    await d.waitForLine(stopping('dep'), { from });
    // dep is still stopping (4 s; stop-timeout 20 s): starting it needs base, which lifts base's stop.
    // (dep is ready once it says `up`, its SIGTERM handler in place: a restarted dep signalled before that
    // died at once, base stopped for good, and the stop had nothing to settle — a 1-in-5 failure.)
    const started = await request(d.socket, 'start', { names: ['dep'], wait: true }, { timeoutMs: 30_000 });
    assert.equal(started.ok, true, JSON.stringify(started));
    const r = await op;
    if (verb === 'restart') assert.equal(r.ok, true, JSON.stringify(r));
    else assert.match(r.failures[0]?.reason ?? '', /started again/, `${JSON.stringify(r)}\n${d.dump()}`);
    const rows = await request(d.socket, 'status', { names: [] }, { timeoutMs: 10_000 });
    assert.deepEqual(
      rows.map((s) => s.state),
      ['started', 'started'],
    );
  }
});
