// Resource limits, niceness and oom_score_adj, read back from the kernel's own
// account of the service's main process (/proc/PID/limits, /proc/PID/stat,
// /proc/PID/oom_score_adj), through the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { childrenOf, startDinit, writeConfig, makeTmpDir } from '../helpers/dinit-process.js';
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

// Regression (#20.2 with many services): dinit holds two pipe fds per service, so past ~500 of them
// every fd made while its soft nofile was lowered to 1024 for a spawn failed EMFILE. 1100 services
// put dinit well over 2048 fds; the last ones cover the other spawn paths: a notify-fd readiness
// service (posix_spawn with an extra fd) and, as root, one with a user (Node's spawn, whose libuv
// makes its exec-status pipe inside the window).
test('as PID 1, 1100 services all start with a soft nofile of 1024 each; SIGTERM stops them all and exits 0', async (t) => {
  const N = 1100;
  const isRoot = process.getuid?.() === 0;
  const dir = makeTmpDir();
  const names = Array.from({ length: N }, (_, i) => `s${i}`);
  const lines = names.map((n) => `  ${n}: { command: [sleep, "100000"] }`);
  lines.push(`  notified: { command: [sh, -c, 'echo > /dev/fd/$DINIT_READY_FD; exec sleep 100000'], ready: { notify: fd } }`);
  names.push('notified');
  if (isRoot) {
    lines.push(`  as-user: { command: [sleep, "100000"], user: "65534" }`);
    names.push('as-user');
  }
  lines.push(`  all: { type: internal, depends-on: [${names.join(', ')}] }`);
  const config = writeConfig(dir, `services:\n${lines.join('\n')}\n`);
  const d = await startDinit({ config, dir, t, pidns: true });
  const settled = await d.waitForLine(ev('all', '(started|failed)'), { timeoutMs: 60000 });
  assert.match(settled, /all started/, d.dump());
  // From the host: dinit's children are the services (pids in the log are the namespace's).
  const host = await d.dinitPid();
  const kids = childrenOf(host);
  assert.equal(kids.length, names.length, d.dump());
  const [ownSoft, ownHard] = limitOf(host, 'Max open files');
  assert.equal(ownSoft, ownHard, 'dinit keeps its own raised limit');
  const want = String(Math.min(1024, ownHard === 'unlimited' ? Infinity : Number(ownHard)));
  // The first, the last ones (spawned when dinit held the most fds), and a few in between.
  for (const pid of [kids[0]!, ...kids.slice(-5), kids[Math.floor(kids.length / 2)]!]) {
    assert.equal(limitOf(pid, 'Max open files')[0], want, `pid ${pid} (${readFileSync(`/proc/${pid}/cmdline`, 'utf8')})`);
  }
  await d.signal('SIGTERM');
  assert.deepEqual(await d.exited(60000), { code: 0, signal: null }, d.dump());
});
