// Reloading an invalid config through a real supervisor changes nothing: a few
// mutated files (each confirmed invalid first), each given to `dinit reload`
// and to SIGHUP; status before and after is identical and reload exits 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseConfig } from '../../src/config/index.js';
import { makeTmpDir, writeConfig } from '../helpers/dinit-process.js';
import { fixture } from '../e2e/support.js';
import { ENV, mutate, mutation } from './config-cases.js';
import { loopSeed } from './fuzz-support.js';
import { cli, startOwn, statusJson } from './own-build.js';

const VALID = `options:
  shutdown-timeout: 5s
environment:
  TZ: UTC
services:
  db:
    command: ${fixture('long-running.js')}
    stop-timeout: 2s
  web:
    command: ${fixture('long-running.js')}
    depends-on: [db]
    restart: on-failure
    stop-timeout: 2s
  all:
    type: internal
    depends-on: [web]
`;

/** What must not change: who runs, with which pid, since when. */
const snapshot = (rows: Array<Record<string, unknown>>): string => JSON.stringify(rows.map((r) => [r.name, r.state, r.pid, r.restarts, r.since, r.ready, r.target]));

// Sixteen CLI runs and eight SIGHUPs: minutes on a loaded machine under coverage, so its own deadline.
test('reload and SIGHUP with mutated invalid configs leave the running services untouched and exit 2', { timeout: 300_000 }, async (t) => {
  const seed = loopSeed();
  const dir = makeTmpDir('dinit-fuzz-reload-');
  const file = writeConfig(dir, VALID);
  const d = await startOwn({ config: file, dir, t });
  await d.waitForLine(/^\[dinit\] web started/, { timeoutMs: 10_000 });
  const before = snapshot(await statusJson(d));

  // Five invalid mutations of the running file, drawn from one seed (printed on failure).
  const cases = fc
    .sample(fc.array(mutation, { minLength: 1, maxLength: 3 }), { seed, numRuns: 200 })
    .map((m) => mutate(VALID, m))
    .filter((text) => {
      try {
        parseConfig(text, file, { ...process.env, ...ENV });
        return false;
      } catch {
        return true;
      }
    })
    .slice(0, 5);
  cases.push('services:\n  web: { command: [a], depends-on: [web] }\n', '\0\0\0', '');
  for (const [i, text] of cases.entries()) {
    writeFileSync(file, text);
    const r = await cli(d, ['reload']);
    assert.equal(r.code, 2, `seed ${seed}, case ${i}: reload should exit 2\n--- file ---\n${text}\n--- stderr ---\n${r.stderr}`);
    assert.match(r.stderr, /nothing changed/, `seed ${seed}, case ${i}`);
    const mark = d.mark();
    await d.signal('SIGHUP');
    await d.waitForLine(/reload \(SIGHUP\) rejected, keeping the running config/, { from: mark, timeoutMs: 5000 });
    assert.equal(snapshot(await statusJson(d)), before, `seed ${seed}, case ${i}: the running set changed\n--- file ---\n${text}`);
  }
  // And a valid file is still accepted afterwards: the supervisor is not wedged.
  writeFileSync(file, VALID.replace('TZ: UTC', 'TZ: Europe/Paris'));
  const ok = await cli(d, ['reload']);
  assert.equal(ok.code, 0, ok.stderr);
});
