// What a crashing dependency does to the services built on it, with real
// processes: kill -9 the dependency (its pid read from the `started` line) and
// read the event lines. Hard dependents are rolled back first — in reverse
// dependency order — and come back after it; smooth-recovery restarts the
// process alone and leaves dependents (and their pids) untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDinit, writeConfig, makeTmpDir, isAlive } from '../helpers/dinit-process.js';
import { fixture, out, killedBy, stopping, stopped, waitStarted, at, restarting, count, startedPid, sh, failed, statusOf } from './support.js';

const chain = (dbExtra: string): string => `services:
  db: { command: ${fixture('long-running.js', 'db')}, restart: always${dbExtra} }
  api: { command: ${fixture('long-running.js', 'api')}, depends-on: [db] }
  worker: { command: ${fixture('long-running.js', 'worker')}, depends-on: [api] }
`;

test('a crashed dependency rolls back its dependents in reverse order, then all come back', async (t) => {
  const dir = makeTmpDir();
  const d = await startDinit({ config: writeConfig(dir, chain('')), dir, t });
  const db1 = await waitStarted(d, 'db');
  const api1 = await waitStarted(d, 'api');
  const worker1 = await waitStarted(d, 'worker');
  // Node installs its SIGTERM handler before printing `up`: wait for it so the
  // `bye` lines (printed on SIGTERM) show when each one was signalled.
  for (const n of ['db', 'api', 'worker']) await d.waitForLine(out(n, `up ${n}`));

  const mark = d.mark();
  process.kill(db1.pid, 'SIGKILL');
  await d.waitForLine(killedBy('db', 'SIGKILL'), { from: mark });
  const db2 = await waitStarted(d, 'db', { from: mark });
  const api2 = await waitStarted(d, 'api', { from: db2.index });
  const worker2 = await waitStarted(d, 'worker', { from: api2.index });

  // Rolled back: worker was stopped before api got its stop signal (api
  // prints `bye api` on SIGTERM), and both before db came back.
  at(d, stopping('worker'), mark);
  at(d, stopping('api'), mark);
  const workerStopped = at(d, stopped('worker'), mark);
  const apiSignalled = at(d, out('api', 'bye api'), mark);
  const apiStopped = at(d, stopped('api'), mark);
  assert.ok(workerStopped < apiSignalled, `worker must be stopped before api is signalled\n${d.dump()}`);
  assert.ok(apiStopped < db2.index, `api must be stopped before db restarts\n${d.dump()}`);
  assert.ok(at(d, restarting('db'), mark) < db2.index, d.dump());
  // The default restart delay is announced.
  assert.match(d.lines()[at(d, restarting('db'), mark)]!, /restarting in 200ms/);

  // Fresh processes, old ones gone.
  assert.notEqual(api2.pid, api1.pid);
  assert.notEqual(worker2.pid, worker1.pid);
  assert.equal(isAlive(api1.pid), false, 'old api process must be gone');
  assert.equal(isAlive(worker1.pid), false, 'old worker process must be gone');
  assert.equal(isAlive(worker2.pid), true);
});

test('smooth-recovery restarts only the process: dependents keep their pid', async (t) => {
  const dir = makeTmpDir();
  const d = await startDinit({
    config: writeConfig(dir, chain(', smooth-recovery: true, restart-delay: 50ms')),
    dir,
    t,
  });
  const db1 = await waitStarted(d, 'db');
  const api = await waitStarted(d, 'api');
  const worker = await waitStarted(d, 'worker');

  const mark = d.mark();
  process.kill(db1.pid, 'SIGKILL');
  const db2 = await waitStarted(d, 'db', { from: mark });
  assert.notEqual(db2.pid, db1.pid);
  assert.equal(isAlive(db2.pid), true);
  assert.equal(isAlive(api.pid), true, 'api keeps running');
  assert.equal(isAlive(worker.pid), true, 'worker keeps running');
  assert.equal(count(d, stopping('api'), mark), 0, d.dump());
  assert.equal(count(d, stopping('worker'), mark), 0, d.dump());
  assert.equal(count(d, startedPid('api'), mark), 0, d.dump());
});

test('a smooth-recovery relaunch that never becomes ready is stopped at start-timeout and fails with the reason', async (t) => {
  const dir = makeTmpDir();
  // The first run says it is ready; a relaunch (the flag file exists) never does.
  const script = `if [ -e relaunched ]; then exec sleep 100000; fi; touch relaunched; echo ready; exec sleep 100000`;
  const config = writeConfig(
    dir,
    `services:
  db:
    command: ${sh(script)}
    working-dir: ${JSON.stringify(dir)}
    ready: { log: "^ready$" }
    smooth-recovery: true
    restart-delay: 50ms
    start-timeout: 1s
`,
  );
  const d = await startDinit({ config, dir, t });
  const db1 = await waitStarted(d, 'db');
  const mark = d.mark();
  process.kill(db1.pid, 'SIGKILL');
  await d.waitForLine(failed('db'), { from: mark, timeoutMs: 10000 });
  const row = await statusOf(d, 'db');
  assert.equal(row.state, 'stopped', d.dump());
  assert.equal(row.failed, true, d.dump());
  assert.match(row.reason ?? '', /not ready within start-timeout 1s/, d.dump());
  assert.ok(d.indexOf(stopping('db'), mark) >= 0, `the relaunched process was not stopped\n${d.dump()}`);
});
