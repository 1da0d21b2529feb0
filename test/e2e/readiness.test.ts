// Readiness through the real binary: a dependent starts only once its
// dependency is *ready*, for every probe kind. Line order in dinit's output
// cannot prove that on its own (a probe can succeed in the microseconds
// between a listener opening and it printing so), so the dependents are
// check-at-start.js, which checks as its very first action whether the port
// answers / the URL says 200 / and records when it started: causal proof, no
// timing guesses. Push kinds (log, notify) compare the ready service's own
// `stamp` (taken just before it signals) with the dependent's `start` time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDinit, writeConfig, makeTmpDir, type DinitProcess } from '../helpers/dinit-process.js';
import { fixture, started, waitStarted, before, out, ev, at, count, statusOf, waitStatus } from './support.js';
import { freePort } from '../helpers/ports.js';

/** The number after `PREFIX ` in a service's output line. */
async function numberIn(d: DinitProcess, name: string, prefix: string): Promise<number> {
  const line = await d.waitForLine(out(name, `${prefix} ([\\d.]+)$`));
  return Number(/([\d.]+)$/.exec(line)![1]);
}

test('a tcp-ready dependency is started only once its port accepts; its dependent starts after that', async (t) => {
  const dir = makeTmpDir();
  const port = await freePort();
  const config = writeConfig(
    dir,
    `services:
  db:
    command: ${fixture('late-listener.js', '--port', port, '--delay', 500)}
    ready: { tcp: ${port}, interval: 50ms }
  api:
    command: ${fixture('check-at-start.js', '--name', 'api', '--tcp', port)}
    depends-on: [db]
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(out('api', 'up api'));
  at(d, ev('db', 'spawned \\(pid \\d+\\), waiting for readiness \\(tcp\\)'));
  before(d, ev('db', 'spawned'), started('db'));
  before(d, started('db'), started('api'));
  at(d, out('db', `listening ${port}`));
  assert.ok(d.indexOf(out('api', 'tcp open')) >= 0, `api started before db's port accepted\n${d.dump()}`);
});

test('an http-ready dependency is started only once its URL answers 2xx, not on a 503', async (t) => {
  const dir = makeTmpDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/health`;
  const config = writeConfig(
    dir,
    `services:
  db:
    command: ${fixture('http-503-then-200.js', '--port', port, '--fail', 3)}
    ready: { http: "${url}", interval: 50ms }
  api:
    command: ${fixture('check-at-start.js', '--name', 'api', '--http', url)}
    depends-on: [db]
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(out('api', 'up api'));
  before(d, started('db'), started('api'));
  // The probe saw the three 503s (only dinit asks before api exists), then a 200.
  assert.equal(count(d, out('db', '503 [123]$')), 3, d.dump());
  assert.ok(d.indexOf(out('api', 'http 200')) >= 0, `api started while db still answered 503\n${d.dump()}`);
});

test('a log-ready dependency is started by the line it prints late, and not before', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  db:
    command: ${fixture('ready-line.js', '--line', 'database system is ready', '--delay', 400, '--stamp')}
    ready: { log: "system is ready$" }
  api:
    command: ${fixture('check-at-start.js', '--name', 'api')}
    depends-on: [db]
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(out('api', 'up api'));
  const stamp = await numberIn(d, 'db', 'stamp');
  const apiStart = await numberIn(d, 'api', 'start');
  assert.ok(apiStart > stamp, `api started at ${apiStart}, before db printed its ready line at ${stamp}\n${d.dump()}`);
  // Ordinary lines printed earlier did not count.
  before(d, out('db', 'warming caches'), started('db'));
  before(d, out('db', 'database system is ready'), started('api'));
  before(d, started('db'), started('api'));
});

test('the line that makes a service ready is printed before its started line', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  db:
    command: ${fixture('ready-line.js', '--line', 'accepting connections', '--delay', 200)}
    ready: { log: "accepting connections" }
`,
  );
  const d = await startDinit({ config, dir, t });
  await waitStarted(d, 'db');
  await d.waitForLine(out('db', 'accepting connections'));
  before(d, out('db', 'accepting connections'), started('db'));
});

test('a notify-fd dependency is started when it writes to $DINIT_READY_FD; its dependent starts after that', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  db:
    command: ${fixture('notify-fd.js', '--delay', 400, '--stamp')}
    ready: { notify: fd }
  api:
    command: ${fixture('check-at-start.js', '--name', 'api')}
    depends-on: [db]
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(out('api', 'up api'));
  at(d, ev('db', 'spawned \\(pid \\d+\\), waiting for readiness \\(notify-fd\\)'));
  const stamp = await numberIn(d, 'db', 'stamp');
  const apiStart = await numberIn(d, 'api', 'start');
  assert.ok(apiStart > stamp, `api started at ${apiStart}, before db notified at ${stamp}\n${d.dump()}`);
  before(d, started('db'), started('api'));
  assert.equal(d.indexOf(/DINIT_READY_FD is not set/), -1, d.dump());
});

test('a notify-systemd dependency is started by READY=1, and its STATUS= text shows in dinit status while starting and after', async (t) => {
  const dir = makeTmpDir();
  const gate = join(dir, 'gate');
  const config = writeConfig(
    dir,
    `services:
  db:
    command: ${fixture('notify-systemd-steps.js', 'send:STATUS=warming up', `await:${gate}`, 'send:READY=1', 'send:STATUS=serving 3 clients')}
    ready: { notify: systemd }
  api:
    command: ${fixture('check-at-start.js', '--name', 'api', '--file', gate)}
    depends-on: [db]
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(out('db', 'sent STATUS=warming up'));
  const starting = await waitStatus(d, 'db', (s) => s.statusText === 'warming up');
  assert.equal(starting.state, 'starting');
  assert.equal(starting.ready, false);
  assert.equal(d.indexOf(started('api')), -1, `api started before db sent READY=1\n${d.dump()}`);

  writeFileSync(gate, '');
  await d.waitForLine(out('api', 'up api'));
  before(d, started('db'), started('api'));
  assert.ok(d.indexOf(out('api', 'file present')) >= 0, d.dump());
  await d.waitForLine(out('db', 'done'));
  const after = await waitStatus(d, 'db', (s) => s.statusText === 'serving 3 clients');
  assert.equal(after.state, 'started');
  assert.equal(after.ready, true);
});

test('STATUS= sent in the same datagram as READY=1 stays visible after the service started', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  db:
    command: ${fixture('notify-systemd-steps.js', 'send:STATUS=serving\\nREADY=1')}
    ready: { notify: systemd }
`,
  );
  const d = await startDinit({ config, dir, t });
  await waitStarted(d, 'db');
  await d.waitForLine(out('db', 'done'));
  const s = await statusOf(d, 'db');
  assert.equal(s.statusText, 'serving', JSON.stringify(s));
});

test('a service never ready within start-timeout fails; its hard dependent fails with it, a waits-for dependent starts', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  slow:
    command: ${fixture('long-running.js', 'slow')}
    ready: { log: "^never printed$" }
    start-timeout: 1s
  hard:
    command: ${fixture('long-running.js', 'hard')}
    depends-on: [slow]
  soft:
    command: ${fixture('long-running.js', 'soft')}
    waits-for: [slow]
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(ev('slow', 'failed: .*start-timeout'), { timeoutMs: 8000 });
  await d.waitForLine(ev('hard', 'failed: dependency slow failed'));
  await d.waitForLine(out('soft', 'up soft'));
  before(d, ev('slow', 'failed'), started('soft'));
  assert.equal(d.indexOf(started('hard')), -1, d.dump());
  assert.equal(d.indexOf(out('hard', 'up hard')), -1, d.dump());

  const slow = await statusOf(d, 'slow');
  assert.equal(slow.failed, true);
  assert.match(slow.reason ?? '', /start-timeout/);
  const hard = await statusOf(d, 'hard');
  assert.equal(hard.failed, true);
  assert.match(hard.reason ?? '', /dependency slow/);
  const soft = await statusOf(d, 'soft');
  assert.equal(soft.state, 'started');
});
