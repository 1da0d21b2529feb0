// max-memory through the real binary: a real process that grows past its limit
// is restarted as after a crash, its hard dependent rolled back and brought
// back, with the reason in the event line and in `dinit status`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startDinit, writeConfig, makeTmpDir } from '../helpers/dinit-process.js';
import { ev, waitStarted, statusOf, stopping } from './support.js';

test('a service over max-memory is restarted with its hard dependents rolled back, the reason in the event line and status', async (t) => {
  const dir = makeTmpDir();
  const marker = join(dir, 'grew-once');
  // First run: hold 200 MiB of touched memory; later runs stay small (node alone is ~50 MiB).
  const hog = JSON.stringify([
    process.execPath,
    '-e',
    `const fs = require('fs'); let keep = null;
     if (!fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); keep = Buffer.alloc(200 * 1048576, 1); }
     setInterval(() => keep, 1000);`,
  ]);
  const config = writeConfig(
    dir,
    `services:
  hog: { command: ${hog}, max-memory: 120MiB, max-memory-interval: 100ms }
  dep: { command: [sleep, "1000"], depends-on: [hog] }
`,
  );
  const d = await startDinit({ config, dir, t });
  const first = await waitStarted(d, 'dep');
  const over = await d.waitForEntry(ev('hog', 'stopping \\(memory (\\d+) MiB over max-memory 120 MiB\\)'), { timeoutMs: 15000 });
  assert.ok(Number(/memory (\d+) MiB/.exec(over.text)?.[1]) > 120, over.text);
  // The dependent is rolled back, and both come back.
  await d.waitForEntry(stopping('dep'), { from: over.index });
  await d.waitForEntry(ev('hog', 'restarting in'), { from: over.index });
  const again = await waitStarted(d, 'hog', { from: over.index });
  await waitStarted(d, 'dep', { from: first.index + 1 });
  const s = await statusOf(d, 'hog');
  assert.equal(s.state, 'started');
  assert.equal(s.pid, again.pid);
  assert.equal(s.restarts, 1);
  assert.match(s.reason ?? '', /^memory \d+ MiB over max-memory 120 MiB$/);
});
