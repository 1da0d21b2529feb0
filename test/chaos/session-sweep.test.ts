// Regression for what chaos found first: kill -9 of a service's leader left
// the rest of its session running, unowned, next to the restarted service.
// A service is its whole session: when the leader ends, what is left gets the
// stop-signal, and SIGKILL after stop-timeout if it ignores that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readStat } from '../../src/os/proc.js';
import { isAlive, makeTmpDir, startDinit, waitUntil, writeConfig } from '../helpers/dinit-process.js';
import { buildRoot } from '../helpers/paths.js';
import { startedPid, waitStarted } from '../e2e/support.js';

const bin = join(buildRoot, 'src', 'bin', 'dinit.js');

/** The other live members of the session led by `sid`. */
function sessionOf(sid: number, pids: number[]): number[] {
  return pids.filter((p) => p !== sid && readStat(p)?.session === sid && isAlive(p));
}

test('when a service leader is killed, the rest of its session is stopped too (SIGKILL after stop-timeout if it ignores SIGTERM)', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  polite: { command: ["sh", "-c", "sleep 1000 & exec sleep 1001"], restart-delay: 10ms }
  stubborn: { command: ["sh", "-c", "(trap '' TERM; exec sleep 1002) & exec sleep 1003"], stop-timeout: 300ms, restart: never }
`,
  );
  const d = await startDinit({ config, dir, t, bin });
  const polite = await waitStarted(d, 'polite');
  const stubborn = await waitStarted(d, 'stubborn');
  const all = (): number[] => d.leftovers();
  const politeKids = await waitUntil('the background sleep of polite', () => sessionOf(polite.pid, all())[0]);
  const stubbornKids = await waitUntil('the background sleep of stubborn', () => {
    const k = sessionOf(stubborn.pid, all())[0];
    return k !== undefined && readStat(k)?.comm === 'sleep' ? k : undefined;
  });
  const killedAt = Date.now();
  process.kill(polite.pid, 'SIGKILL');
  process.kill(stubborn.pid, 'SIGKILL');
  await waitUntil('the polite leftover to be gone', () => !isAlive(politeKids), 3000);
  assert.ok(isAlive(stubbornKids) || Date.now() - killedAt >= 300, 'a leftover that ignores SIGTERM gets until stop-timeout');
  await waitUntil('the stubborn leftover to be SIGKILLed', () => !isAlive(stubbornKids), 5000);
  assert.ok(Date.now() - killedAt >= 300, 'a leftover that ignores SIGTERM gets until stop-timeout');
  // polite came back in a fresh session; nothing of the old one survives.
  const again = await d.waitForEntry(startedPid('polite'), { from: polite.index + 1 });
  assert.notEqual(Number(startedPid('polite').exec(again.text)![1]), polite.pid);
  assert.deepEqual(sessionOf(polite.pid, all()), []);
  assert.deepEqual(sessionOf(stubborn.pid, all()), []);
});
