// Converted configs run: for each format, `dinit import` writes dinit.yaml
// from an input whose programs are the fixture programs, and dinit supervises
// it with real processes. What is checked is the converted meaning: order
// (priority, dependencies, cont-init first), readiness (a probe, a log line,
// an fd notification) and restarts — each waited for as an event line.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTmpDir, runCli, startDinit, type DinitProcess } from '../helpers/dinit-process.js';
import { fixtureBin } from '../helpers/paths.js';
import { before, count, ev, out, restarting, started, waitStarted } from '../e2e/support.js';

const NODE = process.execPath;
const FIX = fixtureBin('');

/** `dinit import INPUT -o DIR/dinit.yaml`, then dinit running it (with $NODE and $FIX set). */
async function importAndRun(t: { after(fn: () => unknown): void }, dir: string, input: string, exit: number): Promise<DinitProcess> {
  const config = join(dir, 'dinit.yaml');
  const r = await runCli(['import', input, '-o', config], { cwd: dir });
  assert.equal(r.code, exit, r.stderr);
  return startDinit({ config, dir, t, env: { NODE, FIX } });
}

test('supervisord: priority orders the start, a [group] comes up with its programs, autorestart and numprocs hold', async (t) => {
  const dir = makeTmpDir('dinit-import-run-');
  writeFileSync(
    join(dir, 'supervisord.conf'),
    `[supervisord]
nodaemon=true

[program:db]
command=%(ENV_NODE)s %(ENV_FIX)s/long-running.js db
priority=10

[program:web]
command=%(ENV_NODE)s %(ENV_FIX)s/long-running.js web
priority=20

[program:worker]
command=%(ENV_NODE)s %(ENV_FIX)s/long-running.js worker-%(process_num)s
process_name=%(program_name)s_%(process_num)s
numprocs=2
priority=20

[program:flaky]
command=%(ENV_NODE)s %(ENV_FIX)s/crash-after.js --after 100 --code 3
autorestart=unexpected
startretries=10
startsecs=1

[program:once]
command=%(ENV_NODE)s %(ENV_FIX)s/exit-with.js --code 0 --print done
autorestart=unexpected

[program:reports]
command=%(ENV_NODE)s %(ENV_FIX)s/long-running.js reports
autostart=false

[group:app]
programs=db,web,reports
`,
  );
  const d = await importAndRun(t, dir, join(dir, 'supervisord.conf'), 0);
  await d.waitForLine(out('worker_1', 'up worker-1'));
  await d.waitForLine(out('worker_0', 'up worker-0'));
  await waitStarted(d, 'web');
  before(d, started('db'), started('web'));
  before(d, started('db'), started('worker_0'));
  await d.waitForLine(restarting('flaky'));
  await d.waitForLine(ev('once', 'exited with code 0'));
  await d.waitForLine(out('db', 'up db'));
  assert.equal(count(d, restarting('once')), 0, d.dump());
  // autostart=false holds at boot, even for a member of a group; starting the group starts it.
  assert.equal(d.indexOf(started('reports')), -1, d.dump());
  const r = await d.cli(['start', 'app']);
  assert.equal(r.code, 0, r.stderr);
  await d.waitForLine(out('reports', 'up reports'));
  before(d, started('reports'), ev('app', 'started'));
});

test('Procfile: each process runs through sh in the Procfile directory with .env and its foreman PORT', async (t) => {
  const dir = makeTmpDir('dinit-import-run-');
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'Procfile'),
    `web: echo "web port=$PORT greeting=$GREETING dir=$(pwd)"; exec "$NODE" "$FIX/long-running.js" web
worker: echo "worker port=$PORT"; exec "$NODE" "$FIX/long-running.js" worker
`,
  );
  writeFileSync(join(app, '.env'), 'GREETING=hello\nPORT=6000\n');
  const d = await importAndRun(t, dir, app, 0);
  await d.waitForLine(out('web', `web port=6000 greeting=hello dir=${app}$`));
  await d.waitForLine(out('worker', 'worker port=6100$'));
  await d.waitForLine(out('web', 'up web'));
});

test('process-compose: a dependent waits for completion, health and a log line, and restarts as availability says', async (t) => {
  const dir = makeTmpDir('dinit-import-run-');
  writeFileSync(
    join(dir, 'process-compose.yaml'),
    `processes:
  migrate:
    command: "$NODE $FIX/exit-with.js --code 0 --after 300 --print migrated"
  db:
    command: "$NODE $FIX/stamp-ready.js --file ${dir}/db.ready --delay 300"
    readiness_probe:
      exec: { command: "test -e ${dir}/db.ready" }
      period_seconds: 1
  web:
    command: "$NODE $FIX/ready-line.js --line 'listening now' --delay 300"
    ready_log_line: "listening now"
  api:
    command: "echo api-up; exec $NODE $FIX/long-running.js api"
    depends_on:
      migrate: { condition: process_completed_successfully }
      db: { condition: process_healthy }
      web: { condition: process_log_ready }
    availability: { restart: always, backoff_seconds: 0 }
`,
  );
  const d = await importAndRun(t, dir, join(dir, 'process-compose.yaml'), 0);
  const { pid } = await waitStarted(d, 'api');
  before(d, out('migrate', 'migrated'), started('api'));
  before(d, ev('migrate', 'started'), started('api'));
  before(d, ev('db', 'started'), started('api'));
  before(d, out('web', 'listening now'), ev('web', 'started'));
  before(d, ev('web', 'started'), started('api'));
  const mark = d.mark();
  process.kill(pid, 'SIGKILL');
  await d.waitForLine(restarting('api'), { from: mark });
  await waitStarted(d, 'api', { from: mark });
});

test('s6-overlay: cont-init first, a oneshot before the longrun that needs it, notification-fd readiness, restart always', async (t) => {
  const dir = makeTmpDir('dinit-import-run-');
  const root = join(dir, 'etc');
  const rc = join(root, 's6-overlay', 's6-rc.d');
  const svc = (name: string, files: Record<string, string>): void => {
    mkdirSync(join(rc, name), { recursive: true });
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(join(rc, name, f, '..'), { recursive: true });
      writeFileSync(join(rc, name, f), text);
      if (f === 'run') chmodSync(join(rc, name, f), 0o755);
    }
  };
  svc('setup', { type: 'oneshot\n', up: `${NODE} ${FIX}/exit-with.js --code 0 --after 200 --print configured\n`, 'dependencies.d/base': '' });
  svc('db', { type: 'longrun\n', run: `#!/bin/sh\nexec "${NODE}" "${FIX}/notify-fd.js" --delay 300\n`, 'notification-fd': '3\n', 'dependencies.d/setup': '' });
  svc('web', { type: 'longrun\n', run: `#!/command/with-contenv sh\nexec "${NODE}" "${FIX}/long-running.js" web\n`, 'dependencies.d/db': '' });
  svc('app', { type: 'bundle\n', 'contents.d/web': '' });
  svc('user', { type: 'bundle\n', 'contents.d/app': '' });
  mkdirSync(join(root, 'cont-init.d'));
  writeFileSync(join(root, 'cont-init.d', '10-hello'), '#!/bin/sh\necho "hello from cont-init"\n');
  chmodSync(join(root, 'cont-init.d', '10-hello'), 0o755);
  const d = await importAndRun(t, dir, dir, 0);
  await waitStarted(d, 'web');
  await d.waitForLine(ev('app', 'started'));
  before(d, out('cont-init-10-hello', 'hello from cont-init'), ev('setup', 'starting|started'));
  before(d, out('setup', 'configured'), started('db'));
  before(d, ev('db', 'spawned \\(pid \\d+\\), waiting for readiness \\(notify-fd\\)'), started('db'));
  before(d, started('db'), started('web'));
  const { pid } = await waitStarted(d, 'db');
  const mark = d.mark();
  process.kill(pid, 'SIGKILL');
  await d.waitForLine(restarting('db'), { from: mark });
  await waitStarted(d, 'web', { from: mark });
});
