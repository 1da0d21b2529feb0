// Resource limits, niceness and oom_score_adj, read back from the kernel's own
// account of the service's main process (/proc/PID/limits, /proc/PID/stat,
// /proc/PID/oom_score_adj), through the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startDinit, writeConfig, makeTmpDir } from '../helpers/dinit-process.js';
import { ev, waitStarted, statusOf } from './support.js';

/** One row of /proc/PID/limits: [soft, hard] as written there ("unlimited" or a number). */
function limitOf(pid: number, row: string): [string, string] {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(row));
  assert.ok(line, `no ${row} row in /proc/${pid}/limits`);
  const [soft, hard] = line.slice(row.length).trim().split(/\s+/);
  return [soft ?? '', hard ?? ''];
}

/** Niceness: field 19 of /proc/PID/stat (after the parenthesised command). */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

test('limits, nice and oom-score-adj are those of the service process itself; other services get a soft nofile of 1024, not the raised one dinit runs with', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  capped:
    command: [sleep, "1000"]
    limits: { nofile: 2048, core: 0, stack: { soft: 4MiB }, cpu: unlimited }
    nice: 7
    oom-score-adj: 300
  plain: { command: [sleep, "1000"] }
`,
  );
  const d = await startDinit({ config, dir, t });
  const capped = await waitStarted(d, 'capped');
  const plain = await waitStarted(d, 'plain');
  // The pid dinit reports is the program itself (the wrapper exec'd in place), with the limits from its first instruction.
  assert.match(readFileSync(`/proc/${capped.pid}/cmdline`, 'utf8'), /^sleep\0/);
  assert.deepEqual(limitOf(capped.pid, 'Max open files'), ['2048', '2048']);
  assert.deepEqual(limitOf(capped.pid, 'Max core file size'), ['0', '0']);
  assert.equal(limitOf(capped.pid, 'Max stack size')[0], String(4 * 1024 * 1024));
  assert.deepEqual(limitOf(capped.pid, 'Max cpu time'), ['unlimited', 'unlimited']);
  assert.equal(niceOf(capped.pid), 7);
  assert.equal(readFileSync(`/proc/${capped.pid}/oom_score_adj`, 'utf8').trim(), '300');
  // dinit's own soft nofile is raised to its hard limit; a service without limits gets 1024 (at most the hard limit).
  const [ownSoft, ownHard] = limitOf(d.pid, 'Max open files');
  assert.equal(ownSoft, ownHard);
  const hard = ownHard === 'unlimited' ? Infinity : Number(ownHard);
  assert.deepEqual(limitOf(plain.pid, 'Max open files'), [String(Math.min(1024, hard)), ownHard]);
  assert.equal(niceOf(plain.pid), niceOf(d.pid));
});

test('a limit the kernel refuses fails that service alone, with the reason, and the others run', async (t) => {
  const dir = makeTmpDir();
  // Above fs.nr_open (at most 2^30): refused even for root, so the test means the same as any user.
  const config = writeConfig(
    dir,
    `services:
  greedy: { command: [sleep, "1000"], limits: { nofile: { hard: 4000000000 } }, restart: never }
  other: { command: [sleep, "1000"] }
`,
  );
  const d = await startDinit({ config, dir, t });
  await waitStarted(d, 'other');
  await d.waitForLine(ev('greedy', 'failed to start: .*hard limit of nofile'));
  const s = await statusOf(d, 'greedy');
  assert.equal(s.failed, true);
  assert.equal(s.pid, null);
  assert.match(s.reason ?? '', /hard limit of nofile cannot be raised to 4000000000/);
  assert.equal((await statusOf(d, 'other')).state, 'started');
});
