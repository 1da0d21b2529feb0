// The project's image (Dockerfile, default target) in a real engine: dinit as
// PID 1 of a container, driven only through what Docker offers (run, exec,
// stop, kill -s HUP, health status, exit codes, logs). Some cases mount their
// own dinit.yaml over /etc/dinit.yaml; the rest run the repo's demo
// (db → api → worker, and `all` grouping them).

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { breakFlaky, docker, dockerOk, exec, IMAGES, lineIndex, logs, remove, runDetached, skip, STEADY_AND_FLAKY, status, uniqueName, until, waitExit, waitForLog, waitHealth, waitStarted } from './docker.js';

const IMG = IMAGES.image;
const DEMO = ['db', 'api', 'worker', 'all'];
const dir = mkdtempSync(join(tmpdir(), 'dinit-ct-'));
const containers: string[] = [];
after(async () => {
  await Promise.all(containers.map(remove));
  rmSync(dir, { recursive: true, force: true });
});

/** A dinit.yaml on the host, to bind-mount over /etc/dinit.yaml. */
function configFile(name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

async function start(what: string, runArgs: string[] = [], cmd: string[] = []): Promise<string> {
  const name = uniqueName(what);
  containers.push(name);
  return runDetached(name, runArgs, IMG, cmd);
}

/** Poll until /proc/PID no longer exists in the container: a zombie keeps its entry, so gone means reaped. */
function reaped(ctr: string, pids: number[]): Promise<true> {
  return until(
    `pids ${pids.join(' ')} reaped in ${ctr}`,
    async () => {
      const r = await exec(ctr, ['sh', '-c', pids.map((p) => `test ! -e /proc/${p}`).join(' && ')]);
      return r.code === 0 ? true : undefined;
    },
    15_000,
    150,
  );
}

describe('the dinit image in a real Docker engine', { skip, concurrency: 3 }, () => {
  it('runs dinit as PID 1 and `docker exec dinit status` lists the demo services', async () => {
    const ctr = await start('pid1');
    await waitStarted(ctr, DEMO);
    const cmdline = (await dockerOk(['exec', ctr, 'cat', '/proc/1/cmdline'])).split('\0').filter(Boolean);
    assert.match(cmdline.join(' '), /\/opt\/dinit\/.*dinit/, `PID 1 is ${cmdline.join(' ')}`);
    const table = await dockerOk(['exec', ctr, 'dinit', 'status']);
    for (const svc of DEMO) assert.match(table, new RegExp(`^${svc}\\s+started\\b`, 'm'), table);
    const health = await exec(ctr, ['dinit', 'health']);
    assert.equal(health.code, 0, health.stdout + health.stderr);
  });

  it('reaps orphans left by `docker exec` and by a service', async () => {
    const cfg = configFile(
      'orphans',
      `services:
  orphan-maker:
    command: [sh, -c, "for i in 1 2 3 4 5; do (sleep 0.3 & echo orphan $!); done; exec sleep 1000"]
`,
    );
    const ctr = await start('orphans', ['-v', `${cfg}:/etc/dinit.yaml:ro`]);
    const fromService = await until(
      'five orphans announced',
      async () => {
        const pids = [...(await logs(ctr)).matchAll(/orphan-maker\s*\|\s*orphan (\d+)/g)].map((m) => Number(m[1]));
        return pids.length === 5 ? pids : undefined;
      },
      30_000,
      150,
    );
    const viaExec = await dockerOk(['exec', ctr, 'sh', '-c', 'for i in 1 2 3 4 5; do sleep 0.3 & echo $!; done']);
    const fromExec = viaExec.split('\n').filter(Boolean).map(Number);
    assert.equal(fromExec.length, 5);
    await reaped(ctr, [...fromService, ...fromExec]);
    const st = await status(ctr);
    assert.equal(st.find((s) => s.name === 'orphan-maker')?.state, 'started', 'the service itself keeps running');
  });

  it('`docker stop -t 10` stops services in reverse dependency order and exits 0 within the grace period', async () => {
    const ctr = await start('stop');
    await waitStarted(ctr, DEMO);
    const t0 = Date.now();
    await dockerOk(['stop', '-t', '10', ctr], { timeoutMs: 20_000 });
    const took = Date.now() - t0;
    assert.equal(await inspectExit(ctr), 0);
    assert.ok(took < 9_000, `docker stop took ${took} ms`);
    const text = await logs(ctr);
    const order = ['worker', 'api', 'db'].map((s) => lineIndex(text, new RegExp(`\\[dinit\\] ${s} stopped`)));
    assert.ok(order.every((i) => i >= 0) && order[0]! < order[1]! && order[1]! < order[2]!, `stop order ${order.join(',')}:\n${text}`);
    assert.match(text, /exiting with code 0/);
  });

  it('`docker kill -s HUP` reloads an edited bind-mounted dinit.yaml', async () => {
    const one = `services:\n  first:\n    command: sleep 1000\n`;
    const cfg = configFile('reload', one);
    const ctr = await start('reload', ['-v', `${cfg}:/etc/dinit.yaml`]);
    const before = await waitStarted(ctr, ['first']);
    // Rewrite in place (same inode): a single-file bind mount sees it.
    writeFileSync(cfg, one + `  second:\n    command: sleep 1000\n    depends-on: [first]\n`);
    await dockerOk(['kill', '-s', 'HUP', ctr]);
    const now = await waitStarted(ctr, ['first', 'second']);
    assert.equal(now.find((s) => s.name === 'first')?.pid, before.find((s) => s.name === 'first')?.pid, 'an unchanged service is not restarted');
  });

  it('restarts a crashed service after rolling back its dependents, then brings them back', async () => {
    const ctr = await start('crash');
    const before = await waitStarted(ctr, DEMO);
    const db = before.find((s) => s.name === 'db')!;
    await dockerOk(['exec', ctr, 'sh', '-c', `kill -9 ${db.pid}`]);
    const text = await waitForLog(ctr, /\[dinit\] api stopping \(dependency db stopped\)/);
    const after = await until(
      'db restarted and its dependents back',
      async () => {
        const st = await status(ctr);
        const ok = DEMO.every((n) => st.some((s) => s.name === n && s.state === 'started' && s.ready));
        return ok && st.find((s) => s.name === 'db')!.pid !== db.pid ? st : undefined;
      },
      20_000,
      150,
    );
    assert.ok(after.find((s) => s.name === 'db')!.restarts >= 1);
    for (const n of ['api', 'worker']) assert.notEqual(after.find((s) => s.name === n)!.pid, before.find((s) => s.name === n)!.pid, `${n} was restarted`);
    const full = await logs(ctr);
    assert.ok(lineIndex(full, /\[dinit\] worker stopped/) < lineIndex(full, /\[dinit\] api stopped/), `dependents first:\n${text}`);
  });

  it("makes main's exit code the container's (exit status, and 128+N for a signal)", async () => {
    const a = await start('main7', [], ['sh', '-c', 'exit 7']);
    const b = await start('main137', [], ['sh', '-c', 'kill -KILL $$']);
    assert.equal(await waitExit(a), 7);
    assert.equal(await waitExit(b), 137);
    const text = await logs(a);
    assert.ok(lineIndex(text, /\[dinit\] all started/) < lineIndex(text, /\[dinit\] main started/), 'main starts after the other services');
  });

  it('turns Docker health `healthy`, then `unhealthy` when a service fails for good', async () => {
    const cfg = configFile('health', STEADY_AND_FLAKY);
    const health = ['--health-interval', '1s', '--health-timeout', '5s', '--health-retries', '1', '--health-start-period', '0s'];
    const ctr = await start('health', ['-v', `${cfg}:/etc/dinit.yaml:ro`, ...health]);
    await waitHealth(ctr, 'healthy');
    await breakFlaky(ctr);
    await waitForLog(ctr, /\[dinit\] flaky failed/);
    await waitHealth(ctr, 'unhealthy');
    const r = await exec(ctr, ['dinit', 'health']);
    assert.equal(r.code, 1);
  });

  it('warns at start and in `dinit check` when the shutdown budget exceeds Docker’s 10 s grace period', async () => {
    const cfg = configFile(
      'budget',
      `options:
  shutdown-timeout: 30s
services:
  a: { command: sleep 1000, stop-timeout: 5s }
  b: { command: sleep 1000, stop-timeout: 5s, depends-on: [a] }
  c: { command: sleep 1000, stop-timeout: 5s, depends-on: [b] }
`,
    );
    const check = await docker(['run', '--rm', '--label', 'dinit-container-test=1', '-v', `${cfg}:/etc/dinit.yaml:ro`, IMG, 'check']);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stderr, /docker stop waits only 10s/);
    assert.match(check.stderr, /docker stop -t 16/);
    const ctr = await start('budget', ['-v', `${cfg}:/etc/dinit.yaml:ro`]);
    await waitForLog(ctr, /\[dinit\] warning: .*docker stop waits only 10s/);
  });
});

async function inspectExit(ctr: string): Promise<number> {
  return Number((await dockerOk(['inspect', '-f', '{{.State.ExitCode}}', ctr])).trim());
}
