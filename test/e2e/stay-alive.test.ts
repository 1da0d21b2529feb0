// dinit never exits 0 by accident: with no control socket (an unusable path)
// and every service failed, nothing else holds Node's event loop open, yet the
// supervisor must stay up until it decides to exit, and say so on its last line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTmpDir, startDinit, writeConfig } from '../helpers/dinit-process.js';
import { failed } from './support.js';

function unusableSocket(dir: string): string {
  // A regular file where the socket goes: its directory is fine (a directory
  // that cannot be made is a usage error at start-up), but no socket is created.
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  return file;
}

const failing = `  bad: { command: [sh, -c, "exit 3"], restart: never }\n`;

test('with no control socket and every service failed, dinit keeps running (on-failure: continue) until told to stop', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(dir, `services:\n${failing}`);
  const d = await startDinit({ t, dir, config, socket: unusableSocket(dir) });
  await d.waitForLine(/no control socket could be created/, { timeoutMs: 10000 });
  await d.waitForLine(failed('bad'), { timeoutMs: 10000 });
  await d.signal('SIGTERM');
  assert.deepEqual(await d.exited(10000), { code: 0, signal: null }, d.dump());
  assert.match(d.lines().at(-1) ?? '', /^\[dinit\] exiting with code 0$/, d.dump());
});

test('with no control socket, a failure under on-failure: shutdown exits 1 with a last line that says so', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(dir, `options: { on-failure: shutdown }\nservices:\n${failing}`);
  const d = await startDinit({ t, dir, config, socket: unusableSocket(dir) });
  assert.deepEqual(await d.exited(10000), { code: 1, signal: null }, d.dump());
  assert.match(d.lines().at(-1) ?? '', /^\[dinit\] exiting with code 1$/, d.dump());
});
