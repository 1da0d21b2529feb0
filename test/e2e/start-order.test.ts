// Start order with real processes: a service starts only once what it hard-
// depends on is started (ready, not merely spawned), and independent services
// start together. Parallelism is proven without clocks: two services that each
// wait for the other to be running can only both become ready if dinit started
// them at the same time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDinit, writeConfig, makeTmpDir } from '../helpers/dinit-process.js';
import { fixture, sh, started, waitStarted, before, out } from './support.js';

test('services start in dependency order: db before api before worker', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  worker: { command: ${fixture('long-running.js', 'worker')}, depends-on: [api] }
  api: { command: ${fixture('long-running.js', 'api')}, depends-on: [db] }
  db: { command: ${fixture('long-running.js', 'db')} }
`,
  );
  const d = await startDinit({ config, dir, t });
  await waitStarted(d, 'worker');
  before(d, started('db'), started('api'));
  before(d, started('api'), started('worker'));
  await d.waitForLine(out('worker', 'up worker'));
});

test('a dependent waits for its dependency to be ready, not just spawned', async (t) => {
  const dir = makeTmpDir();
  const lr = JSON.parse(fixture('long-running.js', 'db')) as string[];
  const config = writeConfig(
    dir,
    `services:
  db:
    command: ${sh(`sleep 0.4; echo db-ready; exec ${lr.map((a) => `'${a}'`).join(' ')}`)}
    ready: { log: "db-ready" }
  api: { command: ${fixture('long-running.js', 'api')}, depends-on: [db] }
`,
  );
  const d = await startDinit({ config, dir, t });
  await waitStarted(d, 'api');
  before(d, out('db', 'db-ready'), started('api'));
  before(d, started('db'), started('api'));
});

test('independent services start in parallel', async (t) => {
  // a is ready only once b is running, and b only once a is running: if dinit
  // waited for one before spawning the other, neither would ever be ready.
  const dir = makeTmpDir();
  const peer = (me: string, other: string): string => sh(`touch ${dir}/${me}-running; ` + `while [ ! -e ${dir}/${other}-running ]; do sleep 0.02; done; ` + `echo ${me}-ready; exec sleep 1000`);
  const config = writeConfig(
    dir,
    `services:
  a: { command: ${peer('a', 'b')}, ready: { log: "a-ready" } }
  b: { command: ${peer('b', 'a')}, ready: { log: "b-ready" } }
  both: { command: ${fixture('long-running.js', 'both')}, depends-on: [a, b] }
`,
  );
  const d = await startDinit({ config, dir, t });
  await waitStarted(d, 'both', { timeoutMs: 10000 });
  before(d, started('a'), started('both'));
  before(d, started('b'), started('both'));
  assert.ok(
    d.lines().some((l) => /^a\s*\| a-ready/.test(l)),
    d.dump(),
  );
});
