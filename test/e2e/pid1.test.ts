// dinit as PID 1 of a real PID namespace (`unshare --pid --fork --mount-proc`,
// needs root — these run, not skip, in CI): it reaps every orphan, turns
// SIGTERM into an orderly shutdown in reverse dependency order with exit 0,
// and a second SIGINT ends everything at once even when a service ignores
// its stop signal and has a long stop-timeout. All checks are made from the
// host through /proc, using dinit's host pid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startDinit, writeConfig, makeTmpDir, descendantsOf, isAlive, waitUntil } from '../helpers/dinit-process.js';
import { fixture, orphanSpawner, waitStarted, stopping, stopped, out, at } from './support.js';
import { releaseAndMeasure, ORPHANS } from './orphans.js';

test(`as PID 1, ${ORPHANS} orphans of a service are all reaped, leaving no zombie`, async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(dir, `services:\n  orphans: { command: ${orphanSpawner(dir, ORPHANS)} }\n`);
  const d = await startDinit({ config, dir, t, pidns: true });
  const took = await releaseAndMeasure(d, dir);
  t.diagnostic(`pid1: ${ORPHANS} orphans reaped ${took.toFixed(0)}ms after release (the speed is the bench's: npm run bench)`);
});

test('as PID 1, SIGTERM stops services in reverse dependency order and exits 0', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  db: { command: ${fixture('long-running.js', 'db', '--stop-delay', 100)} }
  api: { command: ${fixture('long-running.js', 'api', '--stop-delay', 100)}, depends-on: [db] }
  worker: { command: ${fixture('long-running.js', 'worker', '--stop-delay', 100)}, depends-on: [api] }
  cache: { command: ${fixture('long-running.js', 'cache')} }
`,
  );
  const d = await startDinit({ config, dir, t, pidns: true });
  await waitStarted(d, 'worker');
  await waitStarted(d, 'cache');
  // Up (and handling SIGTERM) before the shutdown, so each prints `bye` when signalled.
  for (const n of ['db', 'api', 'worker', 'cache']) await d.waitForLine(out(n, `up ${n}`));
  const mark = d.mark();
  await d.signal('SIGTERM');
  assert.deepEqual(await d.exited(15000), { code: 0, signal: null }, d.dump());
  const down = at(d, /^\[dinit\] shutting down/, mark);
  // Each dependency gets its stop signal (and prints `bye`) only once its
  // dependents are stopped.
  at(d, stopping('api'), down);
  assert.ok(at(d, stopped('worker'), down) < at(d, out('api', 'bye api'), down), `worker before api\n${d.dump()}`);
  assert.ok(at(d, stopped('api'), down) < at(d, out('db', 'bye db'), down), `api before db\n${d.dump()}`);
  assert.ok(at(d, out('cache', 'bye cache'), down) > down, 'independent services are stopped too');
  assert.ok(at(d, /^\[dinit\] exiting with code 0/, down) > at(d, stopped('db'), down), d.dump());
});

test('as PID 1, a second SIGINT kills everything at once', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  stubborn: { command: ${fixture('ignore-sigterm.js')}, stop-timeout: 60s }
  side: { command: ${fixture('long-running.js', 'side')} }
`,
  );
  const d = await startDinit({ config, dir, t, pidns: true });
  await waitStarted(d, 'stubborn');
  await d.waitForLine(out('stubborn', 'ready'));
  await d.waitForLine(out('side', 'up side'));
  const dinit = await d.dinitPid();
  const stubbornHost = descendantsOf(dinit).find((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('ignore-sigterm.js');
    } catch {
      return false;
    }
  });
  assert.ok(stubbornHost !== undefined, 'found the stubborn service from the host');

  await d.signal('SIGINT');
  await d.waitForLine(/^\[dinit\] shutting down/);
  await d.waitForLine(out('stubborn', 'ignoring SIGTERM'));
  assert.equal(d.exitedStatus, null, 'still waiting for the stubborn service');
  const t0 = performance.now();
  await d.signal('SIGINT');
  const status = await d.exited(5000);
  const took = performance.now() - t0;
  t.diagnostic(`second SIGINT: exited ${JSON.stringify(status)} after ${took.toFixed(0)}ms`);
  assert.ok(took < 3000, `exited ${took.toFixed(0)}ms after the second SIGINT`);
  await waitUntil('the stubborn service to be gone', () => !isAlive(stubbornHost), 2000);
});
