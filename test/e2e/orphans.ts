// The orphan-reaping scenario shared by the PID 1 and subreaper suites: a
// service leaves 1000 blocked orphans under dinit, the test checks from the
// host (/proc) that they really are dinit's children, releases them all at
// once, and waits (with a deadline generous enough for a loaded CI machine)
// until none is left — alive or zombie. How fast is a figure, not a behaviour:
// `npm run bench` measures it (reaping: time to 0 zombies, next to tini).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { childrenOf, procState, waitUntil, zombiesUnder, type DinitProcess } from '../helpers/dinit-process.js';
import { out } from './support.js';

export const ORPHANS = 1000;
/** A deadline, not a target (the target, 1 s, is checked by the bench): a stuck reaper never gets there. */
const REAP_DEADLINE_MS = 60_000;

/** A child of dinit that is not a session leader: not a service, so an orphan. */
function isOrphan(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[3]) !== pid; // fields: state ppid pgrp session ...
  } catch {
    return false;
  }
}

/** Returns how long (ms) it took from the release until no orphan was left. */
export async function releaseAndMeasure(d: DinitProcess, dir: string): Promise<number> {
  await d.waitForLine(out('orphans', `spawned ${ORPHANS}`), { timeoutMs: 30000 });
  const dinit = await d.dinitPid();
  // Every orphan is reparented to dinit (its parent subshell has exited) and blocked.
  const orphans = await waitUntil(
    `${ORPHANS} orphans under dinit (pid ${dinit})`,
    () => {
      const o = childrenOf(dinit).filter(isOrphan);
      return o.length >= ORPHANS ? o : undefined;
    },
    30000,
    20,
  );
  assert.equal(orphans.length, ORPHANS);
  assert.deepEqual(zombiesUnder(dinit), [], 'no zombies before the release');

  const t0 = performance.now();
  await writeFile(join(dir, 'go'), 'go\n');
  let left = orphans;
  while (left.length > 0) {
    left = left.filter((p) => procState(p) !== null);
    if (left.length === 0) break;
    if (performance.now() - t0 > REAP_DEADLINE_MS) {
      const z = left.filter((p) => procState(p) === 'Z').length;
      assert.fail(`${left.length} orphans still present ${REAP_DEADLINE_MS / 1000}s after release (${z} zombies)\n${d.dump()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const took = performance.now() - t0;
  await d.waitForLine(out('orphans', 'released'));
  assert.deepEqual(zombiesUnder(dinit, true), [], 'no zombies anywhere under dinit');
  return took;
}
