// Chaos: the real binary supervising ~20 services (test/chaos/chaos-config.ts)
// takes rounds of random, overlapping blows — kill -9 of a service's pid or of
// its whole process group, stop/start/restart through the socket, reloads
// (SIGHUP or `reload`) with services added, removed and changed. After each
// round the set must settle within a deadline and the invariants in
// invariants.ts must hold. Everything random comes from one seed: a failure
// prints the seed and the round's action log, and `CHAOS_SEED=N` replays it
// (`CHAOS_ROUNDS=N` runs longer; `CHAOS_SEED=random` picks one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { request } from '../../src/control/client.js';
import { DinitError } from '../../src/errors.js';
import { makeTmpDir, startDinit, writeConfig, type DinitProcess } from '../helpers/dinit-process.js';
import { buildRoot } from '../helpers/paths.js';
import { configYaml, firstGeneration, mutate, rand, writeAtomically, type Generation, type Rand } from './chaos-config.js';
import { deadPids, eventually, graphViolations, settle, status, unowned, unsettled, zombies } from './invariants.js';

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 12);
const SEED = process.env.CHAOS_SEED === 'random' ? Date.now() % 1e9 : Number(process.env.CHAOS_SEED ?? 7);
const bin = join(buildRoot, 'src', 'bin', 'dinit.js');

interface World {
  d: DinitProcess;
  file: string;
  gen: Generation;
  r: Rand;
  log: string[];
  pending: Promise<string | null>[];
}

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

/** A socket command whose outcome is checked at the end of the round: null = fine, else a violation. */
function command(w: World, verb: 'start' | 'stop' | 'restart', name: string): Promise<string | null> {
  return request(w.d.socket, verb, { names: [name], wait: true }, { timeoutMs: 20000 }).then(
    () => null, // ok or not: a start can fail for good reasons (a dependency was stopped meanwhile)
    (err: unknown) => {
      // A reload may have removed the service between our pick and the request.
      if (err instanceof DinitError && err.code === 'UNKNOWN_SERVICE') return null;
      return `${verb} ${name}: ${(err as Error).message}`;
    },
  );
}

async function act(w: World): Promise<void> {
  const rows = await status(w.d);
  const names = rows.map((s) => s.name);
  const withPid = rows.filter((s) => s.pid !== null);
  const roll = w.r.next();
  if (roll < 0.22 && withPid.length) {
    const s = w.r.pick(withPid);
    w.log.push(`kill -9 ${s.name} (pid ${s.pid})`);
    try {
      process.kill(s.pid as number, 'SIGKILL');
    } catch {
      /* gone already */
    }
  } else if (roll < 0.36 && withPid.length) {
    const s = w.r.pick(withPid);
    w.log.push(`kill -9 group of ${s.name} (-${s.pid})`);
    try {
      process.kill(-(s.pid as number), 'SIGKILL');
    } catch {
      /* gone already */
    }
  } else if (roll < 0.86) {
    const verb = w.r.pick(['start', 'stop', 'restart', 'start'] as const);
    const name = w.r.pick(names);
    w.log.push(`${verb} ${name}`);
    w.pending.push(command(w, verb, name));
  } else {
    const { next, what } = mutate(w.gen, w.r);
    w.gen = next;
    writeAtomically(w.file, configYaml(next));
    if (w.r.chance(0.5)) {
      w.log.push(`SIGHUP reload (${what})`);
      await w.d.signal('SIGHUP');
    } else {
      w.log.push(`socket reload (${what})`);
      w.pending.push(
        request(w.d.socket, 'reload', {}, { timeoutMs: 10000 }).then(
          () => null,
          (err: unknown) => `reload: ${(err as Error).message}`,
        ),
      );
    }
  }
}

async function checkRound(w: World): Promise<string[]> {
  const bad: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const answers = await Promise.race([Promise.all(w.pending), new Promise<string[]>((res) => (timer = setTimeout(() => res(['a socket command did not settle within 25s']), 25000)))]);
  clearTimeout(timer);
  w.pending = [];
  for (const a of answers) if (a) bad.push(a);
  const { rows, moving } = await settle(w.d, 15000);
  if (moving.length) bad.push(`not settled within 15s: ${moving.join('; ')}`);
  const config = await request(w.d.socket, 'config', {}, { timeoutMs: 2000 });
  const deps = new Map(config.services.map((s) => [s.name, s.dependsOn]));
  bad.push(...graphViolations(rows, deps));
  bad.push(...(await eventually(async () => deadPids(await status(w.d)), 2000)));
  const z = await eventually(() => zombies(w.d.pid), 2000);
  if (z.length) bad.push(`zombies under dinit: ${z.join(', ')}`);
  const left = await eventually(async () => unowned(w.d, await status(w.d)), 3000);
  if (left.length) bad.push(`processes no service owns: ${left.join(', ')}`);
  return bad;
}

function report(w: World, round: number, bad: string[]): string {
  return [
    `chaos failed: seed ${SEED}, round ${round} (replay: CHAOS_SEED=${SEED} CHAOS_ROUNDS=${round + 1})`,
    ...bad.map((b) => `  violation: ${b}`),
    'actions of this round:',
    ...w.log.map((l) => `  ${l}`),
    'last lines of dinit:',
    ...w.d
      .lines()
      .slice(-80)
      .map((l) => `  ${l}`),
  ].join('\n');
}

test(`chaos: ${ROUNDS} rounds of kills, stops, starts, restarts and reloads leave a consistent set (seed ${SEED})`, async (t) => {
  const dir = makeTmpDir('dinit-chaos-');
  const gen = firstGeneration();
  const file = writeConfig(dir, configYaml(gen));
  const d = await startDinit({ config: file, dir, t, bin });
  const w: World = { d, file, gen, r: rand(SEED), log: [], pending: [] };
  t.diagnostic(`seed ${SEED}, ${ROUNDS} rounds`);
  await eventually(async () => {
    try {
      return unsettled(await status(d, 500)).length ? [1] : [];
    } catch {
      return [1];
    }
  }, 15000);
  for (let round = 0; round < ROUNDS; round++) {
    w.log = [];
    for (let i = 0, n = 3 + w.r.int(5); i < n; i++) {
      await act(w);
      await sleep(w.r.int(80));
    }
    const bad = await checkRound(w);
    assert.deepEqual(bad, [], report(w, round, bad));
  }
  const rows = await status(d);
  t.diagnostic(`final: ${rows.map((s) => `${s.name}=${s.failed ? 'failed' : s.state}`).join(' ')}`);
  await request(d.socket, 'shutdown', {}, { timeoutMs: 5000 });
  const exit = await d.exited(25000);
  assert.equal(exit.code, 0, d.dump());
  const left = await eventually(() => d.leftovers(), 3000);
  assert.deepEqual(left, [], `processes left after shutdown\n${d.dump()}`);
});
