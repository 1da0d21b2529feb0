// `type: scripted` through the real binary: the command runs to completion
// and the service is started only when it exited 0 — dependents check at
// their own start that the script's work is done (a file it wrote). A script
// that fails takes its dependents down with it. stop-command runs when the
// service stops, on `dinit stop` and on shutdown, and shutdown runs the
// stop-commands dependents first: each appends its name to one file after a
// short pause, so a dependency that did not wait would write first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDinit, writeConfig, makeTmpDir, waitUntil } from '../helpers/dinit-process.js';
import { fixture, sh, ev, out, started, stopped, before, at, statusOf } from './support.js';

const readOr = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

test('a scripted service is started when its command exits 0, and only then do its dependents start', async (t) => {
  const dir = makeTmpDir();
  const done = join(dir, 'migrated');
  const config = writeConfig(
    dir,
    `services:
  migrate:
    type: scripted
    command: ${sh(`sleep 0.3; echo migrating; touch '${done}'; echo migrated`)}
  web:
    command: ${fixture('check-at-start.js', '--name', 'web', '--file', done)}
    depends-on: [migrate]
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(out('web', 'up web'));
  at(d, ev('migrate', 'running \\(pid \\d+\\)'));
  before(d, out('migrate', 'migrated'), started('web'));
  before(d, ev('migrate', 'started$'), started('web'));
  assert.ok(d.indexOf(out('web', 'file present')) >= 0, `web started before migrate finished\n${d.dump()}`);
  const s = await statusOf(d, 'migrate');
  assert.equal(s.state, 'started');
  assert.equal(s.pid, null);
  assert.equal(s.exitCode, 0);
});

test('a scripted service that exits 3 fails: its dependents never start and dinit health exits 1', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  migrate:
    type: scripted
    command: ${fixture('exit-with.js', '--code', 3, '--after', 100, '--print', 'migration failed')}
  web:
    command: ${fixture('long-running.js', 'web')}
    depends-on: [migrate]
  side:
    command: ${fixture('long-running.js', 'side')}
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(ev('migrate', 'failed: exited with code 3'));
  await d.waitForLine(ev('web', 'failed: dependency migrate failed'));
  await d.waitForLine(out('side', 'up side'));
  assert.equal(d.indexOf(started('web')), -1, d.dump());
  assert.equal(d.indexOf(out('web', 'up web')), -1, d.dump());

  const m = await statusOf(d, 'migrate');
  assert.equal(m.failed, true);
  assert.equal(m.exitCode, 3);
  const w = await statusOf(d, 'web');
  assert.equal(w.failed, true);
  assert.equal(w.state, 'stopped');
  const h = await d.cli(['health']);
  assert.equal(h.code, 1, `${h.stdout}${h.stderr}`);
  assert.match(h.stderr, /migrate/);
});

test('stop-command runs on dinit stop, and on shutdown in reverse dependency order', async (t) => {
  const dir = makeTmpDir();
  const log = join(dir, 'stops');
  // Each stop-command pauses before writing: a dependency that did not wait
  // for its dependent's stop-command to finish would write its name first.
  const svc = (name: string, deps: string): string => `  ${name}:
    type: scripted
    command: ${sh(`echo ${name} up`)}
    stop-command: ${sh(`sleep 0.15; echo ${name} >> '${log}'; echo undid ${name}`)}${deps ? `\n    depends-on: [${deps}]` : ''}
`;
  const config = writeConfig(dir, `services:\n${svc('base', '')}${svc('mid', 'base')}${svc('top', 'mid')}`);
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(ev('top', 'started$'));

  // dinit stop mid: top goes first (its hard dependent), then mid; base stays.
  const stop = await d.cli(['stop', 'mid']);
  assert.equal(stop.code, 0, `${stop.stdout}${stop.stderr}\n${d.dump()}`);
  assert.equal(readOr(log), 'top\nmid\n', d.dump());
  at(d, out('mid', 'undid mid'));
  at(d, stopped('mid'));
  assert.equal(d.indexOf(stopped('base')), -1, d.dump());

  // Bring them back, then shut down: top, mid, base — each after the one before finished.
  const mark = d.mark();
  const start = await d.cli(['start', 'top']);
  assert.equal(start.code, 0, `${start.stdout}${start.stderr}\n${d.dump()}`);
  await d.waitForLine(ev('top', 'started$'), { from: mark });
  await d.signal('SIGTERM');
  const status = await d.exited(10000);
  assert.equal(status.code, 0, d.dump());
  await waitUntil('all stop-commands written', () => readOr(log).split('\n').length >= 6 || undefined, 2000);
  assert.equal(readOr(log), 'top\nmid\ntop\nmid\nbase\n', d.dump());
  before(d, out('top', 'undid top'), out('base', 'undid base'), mark);
});
