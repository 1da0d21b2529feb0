// Schedules with real processes and the real clock, on seconds schedules:
// a scripted job runs on every tick (and when started by hand), its status
// shows the last run, its exit and the next tick; a restart-schedule restarts
// a process service with its dependent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTmpDir, startDinit, writeConfig } from '../helpers/dinit-process.js';
import { count, fixture, out, sh, startedPid, statusOf } from './support.js';

test('schedule runs a scripted job on each tick; restart-schedule restarts a service and its dependent', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  tick:
    type: scripted
    command: ${sh('echo tick-run; exit 3')}
    schedule: "* * * * * *"
    schedule-timezone: UTC
  web:
    command: ${fixture('long-running.js', 'web')}
    restart-schedule: "*/2 * * * * *"
  api: { command: ${fixture('long-running.js', 'api')}, depends-on: [web] }
`,
  );
  const d = await startDinit({ config, dir, t });
  // Not at start: the first run comes with the first tick.
  const first = await d.waitForEntry(out('tick', 'tick-run'), { timeoutMs: 5000 });
  await d.waitForEntry(out('tick', 'tick-run'), { from: first.index + 1, timeoutMs: 5000 });
  const st = await statusOf(d, 'tick');
  assert.ok(st.schedule, 'status has the schedule');
  assert.ok(st.schedule.lastRun !== null && st.schedule.next !== null && st.schedule.next > st.schedule.lastRun, JSON.stringify(st.schedule));
  assert.equal(st.schedule.lastExit, 3);
  assert.match(st.statusText ?? '', /^next run \d{4}-/);

  // dinit start runs it now (and says it failed: exit 3 is not a success).
  const n = count(d, out('tick', 'tick-run'));
  const r = await d.cli(['start', 'tick']);
  assert.equal(r.code, 1, r.stdout);
  assert.ok(count(d, out('tick', 'tick-run')) > n);

  // restart-schedule: web restarts on its ticks, and api comes back with it.
  const w1 = await d.waitForEntry(startedPid('web'), { timeoutMs: 5000 });
  const w2 = await d.waitForEntry(startedPid('web'), { from: w1.index + 1, timeoutMs: 5000 });
  await d.waitForEntry(startedPid('api'), { from: w2.index, timeoutMs: 5000 });
  assert.ok((await statusOf(d, 'web')).schedule?.lastRun);
});
