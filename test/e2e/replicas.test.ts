// replicas: N with real processes: instances named NAME-1 … NAME-N, each with
// its DINIT_REPLICA; a dependent waits for every one; verbs on NAME act on all
// of them; a reload that only changes the count starts or stops instances and
// leaves everything else running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTmpDir, startDinit, writeConfig, isAlive } from '../helpers/dinit-process.js';
import { count, fixture, out, sh, started, startedPid, statusOf, stopped, waitStarted } from './support.js';

const config = (n: number): string => `services:
  worker:
    command: ${sh('echo "replica $DINIT_REPLICA as ${DINIT_REPLICA} id $WORKER_ID"; exec sleep 1000')}
    replicas: ${n}
    environment: { WORKER_ID: "w\${DINIT_REPLICA}" }
  api: { command: ${fixture('long-running.js', 'api')}, depends-on: [worker] }
`;

test('replicas: instances with DINIT_REPLICA, a dependent after all of them, verbs on the group, a reload that only rescales', async (t) => {
  const dir = makeTmpDir();
  const file = writeConfig(dir, config(2));
  const d = await startDinit({ config: file, dir, t });
  const api = await waitStarted(d, 'api');
  for (const i of [1, 2]) {
    await d.waitForLine(out(`worker-${i}`, `replica ${i} as ${i} id w${i}`));
    assert.ok(d.indexOf(startedPid(`worker-${i}`)) < api.index, `worker-${i} started before api`);
  }
  const s = await d.cli(['status', '--json']);
  assert.deepEqual((JSON.parse(s.stdout) as { name: string }[]).map((r) => r.name).sort(), ['api', 'worker-1', 'worker-2']);
  assert.equal((await d.cli(['is-started', 'worker'])).code, 0, 'a question about the group asks every instance');

  // A reload that only adds an instance starts worker-3 and nothing else.
  const apiPid = (await statusOf(d, 'api')).pid;
  let mark = d.mark();
  writeConfig(dir, config(3));
  const r = await d.cli(['reload']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /worker-3/);
  await d.waitForLine(out('worker-3', 'replica 3 as 3 id w3'), { from: mark });
  await d.waitForLine(started('worker-3'), { from: mark });
  assert.equal((await statusOf(d, 'api')).pid, apiPid, 'api kept running');
  assert.ok(apiPid !== null && isAlive(apiPid));
  assert.equal(count(d, stopped('api'), mark), 0, d.dump());
  assert.equal(count(d, /\[dinit\] worker-[12] (stopping|started)/, mark), 0, d.dump());

  // A verb on the group acts on every instance (and, for stop, on the dependent first).
  const st = await d.cli(['stop', 'worker']);
  assert.equal(st.code, 0, st.stderr);
  for (const n of ['api', 'worker-1', 'worker-2', 'worker-3']) assert.equal((await statusOf(d, n)).state, 'stopped', n);
  const one = await d.cli(['start', 'worker-2']);
  assert.equal(one.code, 0, one.stderr);
  assert.equal((await statusOf(d, 'worker-2')).state, 'started');
  assert.equal((await statusOf(d, 'worker-1')).state, 'stopped', 'a verb on one instance acts on that one');

  // dinit scale: now, from the file's definition, touching nothing else; a reload goes back to the file's count.
  await d.cli(['start', 'api']);
  const apiNow = (await statusOf(d, 'api')).pid;
  mark = d.mark();
  const up = await d.cli(['scale', 'worker', '4']);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /^worker: 3 → 4 instances \(started worker-4\); until the next reload, which goes back to the replicas in dinit\.yaml$/m);
  await d.waitForLine(out('worker-4', 'replica 4 as 4 id w4'), { from: mark });
  assert.equal((await statusOf(d, 'api')).pid, apiNow, 'api kept running');
  const down = await d.cli(['scale', 'worker', '1']);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /stopped worker-2, worker-3, worker-4/);
  const names = (JSON.parse((await d.cli(['status', '--json'])).stdout) as { name: string }[]).map((x) => x.name).sort();
  assert.deepEqual(names, ['api', 'worker-1']);
  assert.equal((await statusOf(d, 'api')).pid, apiNow, 'api kept running');
  const back = await d.cli(['reload']);
  assert.equal(back.code, 0, back.stderr);
  await waitStarted(d, 'worker-3', { from: d.indexOf(/reloaded/, mark) });
  const bad = await d.cli(['scale', 'api', '2']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /api has no replicas/);
});
