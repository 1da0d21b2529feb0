// stop-group: false sends stop-signal to the service's main process only (a
// pre-fork server stops its own workers; signalling them too makes gunicorn
// warn on every stop); the SIGKILL after stop-timeout still takes the group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTmpDir, startDinit, writeConfig } from '../helpers/dinit-process.js';
import { out, stopped, waitStarted } from './support.js';

// A parent that, on TERM, asks its worker to stop with USR1; the worker says which signal reached it
// (USR1 only ends its loop, so a TERM that came too, with the group, is always reported).
const preFork = (stopGroup: boolean): string => `services:
  server:
    stop-group: ${stopGroup}
    command:
      - sh
      - -c
      - |
        sh -c 'trap "echo worker got TERM; exit 0" TERM; trap "echo worker got USR1; done=1" USR1; echo worker up; while [ -z "$done" ]; do sleep 0.05; done' &
        worker=$!
        trap 'echo parent got TERM; kill -USR1 $worker; wait $worker; exit 0' TERM
        wait
`;

for (const stopGroup of [false, true]) {
  test(`stop-group: ${stopGroup} — stop-signal reaches ${stopGroup ? 'the whole group' : 'the main process only'}`, async (t) => {
    const dir = makeTmpDir();
    const config = writeConfig(dir, preFork(stopGroup));
    const d = await startDinit({ t, dir, config });
    await waitStarted(d, 'server');
    await d.waitForLine(out('server', 'worker up'), { timeoutMs: 10000 });
    const r = await d.cli(['stop', 'server']);
    assert.equal(r.code, 0, r.stderr);
    await d.waitForLine(stopped('server'), { timeoutMs: 10000 });
    const text = d.lines().join('\n');
    if (stopGroup) assert.match(text, /worker got TERM/, d.dump());
    else {
      assert.match(text, /parent got TERM/, d.dump());
      assert.match(text, /worker got USR1/, d.dump());
      assert.doesNotMatch(text, /worker got TERM/, d.dump());
    }
  });
}
