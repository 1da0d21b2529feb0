// options.orphans through the real binary (not PID 1 here: dinit makes itself
// a child subreaper, so a service's escaped daemon is reparented to it). The
// daemon is daemonize.js's: a `sleep` in its own session whose parents have
// exited; its pid comes from the service's `daemon PID` line, and /proc says
// whether it lives and who its parent is. Each policy announces what it did
// in a `[dinit]` line; `reap` stays silent and only leaves no zombies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDinit, writeConfig, makeTmpDir, waitUntil, isAlive, procState, childrenOf, zombiesUnder, type DinitProcess } from '../helpers/dinit-process.js';
import { fixture, sh, out, orphanSpawner, count, at } from './support.js';

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** Start dinit with one daemonising service; returns the escaped daemon's pid once it is dinit's child. */
async function withDaemon(t: { after(fn: () => unknown): void }, orphans: string, extra = ''): Promise<{ d: DinitProcess; daemon: number }> {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `options: { orphans: ${orphans} }
services:
  forker:
    command: ${fixture('daemonize.js', '--hold', 30000)}
    restart: never
${extra}`,
  );
  const d = await startDinit({ config, dir, t });
  const line = await d.waitForLine(out('forker', 'daemon (\\d+)$'));
  const daemon = Number(/daemon (\d+)$/.exec(line)![1]);
  return { d, daemon };
}

test('orphans: terminate sends SIGTERM to a daemon a service left behind, says so, and it is gone', async (t) => {
  const { d, daemon } = await withDaemon(t, 'terminate');
  await d.waitForLine(new RegExp(`^\\[dinit\\] orphan process ${daemon} \\(sleep\\) was left behind: sent SIGTERM`), { timeoutMs: 5000 });
  await waitUntil(`daemon ${daemon} to be gone (not even a zombie)`, () => procState(daemon) === null, 3000);
  assert.equal(count(d, /orphan process .* sent SIGKILL/), 0, 'SIGTERM was enough: no SIGKILL');
});

test('orphans: adopt leaves a daemon running as a child of dinit and announces it once', async (t) => {
  const { d, daemon } = await withDaemon(
    t,
    'adopt',
    `  blip:
    command: ${sh(`sh -c 'sleep 0.1 & echo orphan $!'`)}
    restart: never
    auto-start: false
`,
  );
  await d.waitForLine(new RegExp(`^\\[dinit\\] adopted orphan process ${daemon} \\(sleep\\); it keeps running`), { timeoutMs: 5000 });
  assert.ok(isAlive(daemon));
  assert.equal(parentOf(daemon), await d.dinitPid());
  // A short-lived orphan (blip's background sleep) is reaped after the
  // daemon was adopted: proof that the reaper scanned dinit's children again.
  // The daemon was neither signalled nor announced a second time.
  const mark = d.mark();
  const r = await d.cli(['start', 'blip']);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  const line = await d.waitForLine(out('blip', 'orphan (\\d+)$'), { from: mark });
  const shortLived = Number(/(\d+)$/.exec(line)![1]);
  await waitUntil(`the short-lived orphan ${shortLived} reaped`, () => procState(shortLived) === null, 5000);
  assert.ok(isAlive(daemon), `the adopted daemon died\n${d.dump()}`);
  assert.equal(parentOf(daemon), await d.dinitPid());
  assert.equal(count(d, new RegExp(`adopted orphan process ${daemon} `)), 1, d.dump());
  assert.equal(count(d, /orphan process .* sent SIG/), 0, d.dump());
  // status lists it, and shutdown stops it like s6 does with leftovers.
  const st = await d.cli(['status']);
  assert.match(st.stdout, new RegExp(`orphans \\(not owned by any service\\): .*${daemon} \\(sleep\\)`), st.stdout);
  await d.signal('SIGTERM');
  assert.equal((await d.exited(10000)).code, 0, d.dump());
  assert.ok(at(d, new RegExp(`stopping 1 leftover process\\(es\\) no service owns: ${daemon} \\(sleep\\)`)) >= 0, d.dump());
  await waitUntil(`the adopted daemon ${daemon} ended at shutdown`, () => !isAlive(daemon), 5000);
});

test('orphans: reap (the default) silently reaps orphans that exit: no zombies are left', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(dir, `services:\n  orphans: { command: ${orphanSpawner(dir, 5)} }\n`);
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(out('orphans', 'spawned 5'));
  const dinit = await d.dinitPid();
  // The five orphans are dinit's children now (not session leaders, so not services).
  const orphans = await waitUntil(
    'five orphans reparented to dinit',
    () => {
      const o = childrenOf(dinit).filter((p) => {
        try {
          const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          return Number(f[3]) !== p; // session id ≠ pid: not a service
        } catch {
          return false;
        }
      });
      return o.length >= 5 ? o : undefined;
    },
    5000,
  );
  writeFileSync(join(dir, 'go'), 'go\n');
  await d.waitForLine(out('orphans', 'released'));
  await waitUntil('every orphan reaped', () => orphans.every((p) => procState(p) === null), 3000);
  assert.deepEqual(zombiesUnder(dinit, true), []);
  assert.equal(count(d, /orphan process/), 0, 'reap says nothing about orphans');
});
