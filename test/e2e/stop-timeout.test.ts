// Stopping a service that ignores its stop signal: after stop-timeout dinit
// escalates to SIGKILL on the process group, says so, and the stop completes
// within a deadline instead of hanging the shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDinit, writeConfig, makeTmpDir, isAlive, waitUntil } from '../helpers/dinit-process.js';
import { fixture, waitStarted, out, stopping, stopped } from './support.js';

test('a service ignoring SIGTERM is SIGKILLed after stop-timeout and reported stopped', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  stubborn: { command: ${fixture('ignore-sigterm.js')}, stop-timeout: 500ms }
`,
  );
  const d = await startDinit({ config, dir, t });
  const s = await waitStarted(d, 'stubborn');
  await d.waitForLine(out('stubborn', 'ready'));
  await d.signal('SIGTERM');
  const stop = await d.waitForEntry(stopping('stubborn'));
  const ignored = await d.waitForEntry(out('stubborn', 'ignoring SIGTERM'), { from: stop.index });
  const kill = await d.waitForEntry(/^\[dinit\] stubborn .*SIGKILL/, { from: stop.index, timeoutMs: 5000 });
  const done = await d.waitForEntry(stopped('stubborn'), { from: stop.index, timeoutMs: 5000 });
  // SIGTERM first (the service saw it), SIGKILL after, then stopped.
  assert.ok(ignored.index < kill.index && kill.index <= done.index, d.dump());
  const took = done.at - stop.at;
  assert.ok(took < 3000, `stopped within the deadline (took ${took.toFixed(0)}ms)`);
  await waitUntil('the stubborn process to be gone', () => !isAlive(s.pid), 2000);
  assert.deepEqual(await d.exited(5000), { code: 0, signal: null }, d.dump());
});
