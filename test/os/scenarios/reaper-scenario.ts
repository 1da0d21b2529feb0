// Runs in its own node process (a subreaper, or PID 1 inside `unshare --pid`),
// because orphans are reparented to whole processes: the test runner itself
// must not adopt them. Prints one JSON line with what it observed.
// Started by reaper.test.ts with DINIT_SCENARIO=<mode>; does nothing otherwise
// (node --test may pick this file up and run it on its own).

import { spawn } from 'node:child_process';
import { fixtureBin } from '../../helpers/paths.js';
import { createReaper, type ReaperOptions } from '../../../src/os/reaper.js';
import { becomeSubreaper, isPid1 } from '../../../src/os/subreaper.js';
import { children, host } from '../../helpers/host.js';
import { childPids, readStat } from '../../../src/os/proc.js';
import type { OrphanPolicy } from '../../../src/types.js';

const mode = process.env['DINIT_SCENARIO'];

const own = new Set<number>();
const events: string[] = [];

function foreignChildren(): { pid: number; state: string; comm: string }[] {
  const out: { pid: number; state: string; comm: string }[] = [];
  for (const pid of childPids()) {
    if (own.has(pid)) continue;
    const st = readStat(pid);
    if (st && st.ppid === process.pid) out.push({ pid, state: st.state, comm: st.comm });
  }
  return out;
}

async function until(cond: () => boolean, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** Spawn with child_process directly, registered only through the caller's isOwn. */
function ownChild(file: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const c = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  if (c.pid !== undefined) own.add(c.pid);
  let out = '';
  c.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => {
    c.on('close', (code) => {
      if (c.pid !== undefined) own.delete(c.pid);
      resolve({ code, out });
    });
  });
}

function withDeadline<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())]);
}

function start(policy: OrphanPolicy, graceMs?: number, extra: Partial<ReaperOptions> = {}): ReturnType<typeof createReaper> {
  const reaper = createReaper({ children, isOwn: (pid) => own.has(pid), policy, graceMs: graceMs ?? 5000, onEvent: (m) => events.push(m), ...extra });
  reaper.start();
  return reaper;
}

async function storm(): Promise<object> {
  const n = Number(process.env['DINIT_ORPHANS'] ?? '1000');
  const pid1 = isPid1();
  const subreaper = pid1 ? null : becomeSubreaper();
  const reaper = start('reap');
  // Our own children, exiting before, during and after the storm, with distinct codes.
  const mine: Promise<number | null>[] = [];
  for (let k = 0; k < 10; k++) {
    const delay = (k % 5) / 10;
    mine.push(ownChild('sh', ['-c', `sleep ${delay}; exit ${k + 1}`]).then((r) => r.code));
    const req = { command: ['sh', '-c', `sleep ${delay}; exit ${k + 101}`], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } };
    mine.push(new Promise((resolve) => host.spawn(req, 'service', { spawned: () => {}, failed: () => resolve(-2), exited: (code) => resolve(code) })));
  }
  const fixture = await ownChild(process.execPath, [fixtureBin('spawn-orphans.js'), String(n)]);
  const t0 = Date.now();
  const clean = await until(() => foreignChildren().length === 0, 5000);
  const ms = Date.now() - t0;
  const codes = await Promise.all(mine.map((p) => withDeadline(p, 5000, -1)));
  const left = foreignChildren();
  reaper.stop();
  return {
    pid1,
    subreaper,
    fixture: fixture.out.trim(),
    clean,
    ms,
    left: left.length,
    zombies: left.filter((c) => c.state === 'Z').length,
    reaped: reaper.reapedCount(),
    codes,
  };
}

async function daemon(flags: string[]): Promise<number> {
  const r = await ownChild(process.execPath, [fixtureBin('daemonize.js'), ...flags]);
  const m = /daemon (\d+)/.exec(r.out);
  if (!m) throw new Error(`daemonize.js printed ${JSON.stringify(r.out)}`);
  return Number(m[1]);
}

async function terminate(): Promise<object> {
  const subreaper = becomeSubreaper();
  const reaper = start('terminate', 300);
  const t0 = Date.now();
  const polite = await daemon(['--hold', '30000']);
  const stubborn = await daemon(['--hold', '30000', '--ignore-term']);
  const gone = await until(() => !childPids().includes(polite) && !childPids().includes(stubborn), 5000);
  const ms = Date.now() - t0;
  reaper.stop();
  return { subreaper, polite, stubborn, gone, ms, events, left: foreignChildren().length };
}

async function adopt(): Promise<object> {
  const subreaper = becomeSubreaper();
  const reaper = start('adopt');
  const pid = await daemon(['--hold', '30000']);
  const listed = await until(() => reaper.orphans().some((o) => o.pid === pid), 3000);
  const orphans = reaper.orphans();
  reaper.reapNow();
  const stillAlive = readStat(pid)?.state !== undefined && readStat(pid)?.state !== 'Z';
  process.kill(pid, 'SIGKILL');
  const reaped = await until(() => !childPids().includes(pid), 3000);
  reaper.stop();
  return { subreaper, pid, listed, orphans, stillAlive, reaped, events };
}

/** `sleep` processes reparented to us (their shell exits at once), each exiting after its delay; their pids. */
async function orphansSleeping(...seconds: number[]): Promise<number[]> {
  const r = await ownChild('sh', ['-c', seconds.map((s) => `sleep ${s} >/dev/null & echo $!`).join('; ')]);
  return r.out.trim().split('\n').map(Number);
}

const state = (pid: number): string | null => readStat(pid)?.state ?? null;

/**
 * A zombie the reaper must leave alone (claimed through isOwn, as libuv's are)
 * sits first in the kernel's list of our children, so waitid(P_ALL, WNOWAIT)
 * names it every time: the orphans that exit after it must still be reaped, on
 * SIGCHLD alone (the safety pass is a minute away).
 */
async function behindOwn(): Promise<object> {
  const subreaper = becomeSubreaper();
  const reaper = start('reap', undefined, { intervalMs: 60000 });
  const [claimed] = await orphansSleeping(0.1);
  own.add(claimed!);
  // The others outlive the claimed one for as long as the test wants (no timing window a loaded
  // machine can miss): they are killed only once the claimed one is seen a zombie.
  const others = await orphansSleeping(600, 600, 600);
  const claimedZombieFirst = await until(() => state(claimed!) === 'Z', 10_000);
  const othersAliveThen = others.every((p) => state(p) !== null && state(p) !== 'Z');
  for (const p of others) process.kill(p, 'SIGKILL');
  const reaped = await until(() => others.every((p) => state(p) === null), 5000);
  const claimedState = state(claimed!);
  own.delete(claimed!);
  reaper.reapNow();
  const claimedReapedAfter = state(claimed!) === null;
  reaper.stop();
  return { subreaper, claimedZombieFirst, othersAliveThen, reaped, claimedState, claimedReapedAfter, count: reaper.reapedCount() };
}

/** Busy-wait: the event loop does not turn (no SIGCHLD is handled, libuv reaps nothing) until cond() or the deadline. */
function spinUntil(cond: () => boolean, ms: number): boolean {
  const end = Date.now() + ms;
  while (!cond()) if (Date.now() > end) return false;
  return true;
}

/**
 * 50 orphans end within moments, then one the reaper must leave alone (claimed
 * through isOwn, last in the kernel's list), all while the event loop is held:
 * the first drain finds them all zombies, reaps a streak by peeking, then
 * takes the rest in one scan, which must skip the claimed one.
 */
async function batch(): Promise<object> {
  const subreaper = becomeSubreaper();
  const reaper = start('reap', undefined, { intervalMs: 60000 });
  const n = 50;
  const fixture = await ownChild('sh', ['-c', `i=0; while [ $i -lt ${n} ]; do sleep 1 >/dev/null & i=$((i+1)); done; echo spawned $i`]);
  const [claimed] = await orphansSleeping(1.2);
  own.add(claimed!);
  const foreign = (): { pid: number; state: string }[] => foreignChildren();
  const allZombies = spinUntil(() => foreign().length === n && foreign().every((c) => c.state === 'Z') && state(claimed!) === 'Z', 5000);
  const clean = await until(() => foreign().length === 0, 5000);
  const claimedState = state(claimed!);
  const count = reaper.reapedCount();
  own.delete(claimed!);
  reaper.reapNow();
  reaper.stop();
  return { subreaper, fixture: fixture.out.trim(), allZombies, clean, claimedState, reaped: count };
}

/** A reaping pass that throws (here: isOwn) is reported once, not once per SIGCHLD, and reaping resumes after. */
async function failing(): Promise<object> {
  const subreaper = becomeSubreaper();
  let bad = 0;
  const reaper = start('reap', undefined, {
    intervalMs: 60000,
    isOwn: (pid) => {
      if (pid === bad) throw new Error('boom');
      return own.has(pid);
    },
  });
  const [orphan] = await orphansSleeping(0.1);
  bad = orphan!;
  const failedOnce = await until(() => events.some((e) => e.includes('boom')), 3000);
  // More SIGCHLDs (our own children exiting), each one a pass that fails the same way.
  for (let k = 0; k < 5; k++) await ownChild('true', []);
  const stillZombie = state(orphan!) === 'Z';
  bad = 0;
  await ownChild('true', []);
  const reaped = await until(() => state(orphan!) === null, 3000);
  reaper.stop();
  return { subreaper, failedOnce, stillZombie, reaped, reports: events.filter((e) => e.includes('boom')) };
}

async function main(): Promise<void> {
  let result: object;
  switch (mode) {
    case 'storm':
      result = await storm();
      break;
    case 'terminate':
      result = await terminate();
      break;
    case 'adopt':
      result = await adopt();
      break;
    case 'behind-own':
      result = await behindOwn();
      break;
    case 'batch':
      result = await batch();
      break;
    case 'failing':
      result = await failing();
      break;
    default:
      return;
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

await main();
