import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildRoot } from '../helpers/paths.js';

const scenario = join(buildRoot, 'test', 'os', 'scenarios', 'reaper-scenario.js');
const isRoot = process.getuid?.() === 0;

/** Run the scenario in a fresh process (optionally wrapped) and parse its JSON line. */
function run(mode: string, wrap: string[] = [], env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const argv = [...wrap, process.execPath, scenario];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, DINIT_SCENARIO: mode, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scenario ${mode} timed out; stderr: ${err}`));
    }, 20000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        reject(new Error(`scenario ${mode} exited ${code}: stdout ${out} stderr ${err}`));
      }
    });
  });
}

const expectedCodes = Array.from({ length: 10 }, (_, k) => [k + 1, k + 101]).flat();

describe('reaper', () => {
  it("reaps 1000 orphans under a subreaper and never steals the exit status of Node's own children", async () => {
    const r = await run('storm');
    assert.equal(r['subreaper'], true);
    assert.equal(r['fixture'], 'spawned 1000');
    assert.equal(r['clean'], true, `left ${String(r['left'])} foreign children (${String(r['zombies'])} zombies)`);
    assert.equal(r['zombies'], 0);
    assert.ok((r['reaped'] as number) >= 1000, `reaped ${String(r['reaped'])}`);
    assert.deepEqual(r['codes'], expectedCodes);
  });

  it('reaps every orphan as PID 1 of a pid namespace, without being a subreaper', { skip: !isRoot && 'needs root for unshare' }, async () => {
    const r = await run('storm', ['unshare', '--pid', '--fork', '--mount-proc']);
    assert.equal(r['pid1'], true);
    assert.equal(r['subreaper'], null);
    assert.equal(r['clean'], true, `left ${String(r['left'])} foreign children`);
    assert.ok((r['reaped'] as number) >= 1000);
    assert.deepEqual(r['codes'], expectedCodes);
  });

  it('terminate policy sends SIGTERM to a live orphan, SIGKILL to one that ignores it, and reaps both', async () => {
    const r = await run('terminate');
    assert.equal(r['gone'], true, JSON.stringify(r));
    const events = r['events'] as string[];
    const polite = String(r['polite']);
    const stubborn = String(r['stubborn']);
    assert.equal(events.filter((e) => e.includes(`process ${polite} `) && e.includes('SIGTERM')).length, 1, events.join('\n'));
    assert.ok(!events.some((e) => e.includes(`process ${polite} `) && e.includes('ignored SIGTERM')), events.join('\n'));
    assert.ok(
      events.some((e) => e.includes(`process ${stubborn} (sleep) ignored SIGTERM`) && e.includes('SIGKILL')),
      events.join('\n'),
    );
    assert.equal(r['left'], 0);
  });

  it('adopt policy leaves a live orphan running, lists it with its name and announces it once', async () => {
    const r = await run('adopt');
    assert.equal(r['listed'], true);
    assert.equal(r['stillAlive'], true);
    assert.deepEqual(r['orphans'], [{ pid: r['pid'], comm: 'sleep' }]);
    const events = r['events'] as string[];
    assert.equal(events.length, 1, events.join('\n'));
    assert.match(events[0]!, /adopted orphan process \d+ \(sleep\)/);
    assert.equal(r['reaped'], true, 'reaped once it was killed');
  });

  it('reaps orphans that exit behind a zombie it must not touch (the peek keeps naming that one)', async () => {
    const r = await run('behind-own');
    assert.equal(r['subreaper'], true);
    assert.equal(r['claimedZombieFirst'], true, JSON.stringify(r));
    assert.equal(r['othersAliveThen'], true, JSON.stringify(r));
    assert.equal(r['reaped'], true, JSON.stringify(r));
    assert.equal(r['claimedState'], 'Z', 'the claimed zombie was left for its owner');
    assert.equal(r['claimedReapedAfter'], true, 'reaped once no longer claimed');
    assert.equal(r['count'], 4);
  });

  it('reaps a burst of zombies found at once (peeks, then one scan) and the scan skips a zombie it must not touch', async () => {
    const r = await run('batch');
    assert.equal(r['fixture'], 'spawned 50');
    assert.equal(r['allZombies'], true, JSON.stringify(r));
    assert.equal(r['clean'], true, JSON.stringify(r));
    assert.equal(r['claimedState'], 'Z', 'the claimed zombie was left for its owner');
    assert.equal(r['reaped'], 50);
  });

  it('reports a failing reaping pass once, not once per SIGCHLD, and resumes reaping after', async () => {
    const r = await run('failing');
    assert.equal(r['failedOnce'], true, JSON.stringify(r));
    assert.equal(r['stillZombie'], true, JSON.stringify(r));
    assert.equal(r['reaped'], true, JSON.stringify(r));
    assert.deepEqual(r['reports'], ['reaper scan failed: boom']);
  });
});
