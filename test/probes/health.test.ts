// Health checks: transitions only, `retries` in a row, start-period, recovery.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startHealth } from '../../src/runtime/probes/index.js';
import type { HealthSpec } from '../../src/types.js';
import { bareContext, Recorder, startFixture } from './support.js';

// Independent tests, run concurrently to keep the suite fast.
describe('health checks', { concurrency: true }, () => {
  test('health turns unhealthy after `retries` failures in a row and healthy again on recovery', async (t) => {
    // 2 good answers, then 3 bad ones, then good again.
    const fx = startFixture(t, 'http-503-then-200.js', ['--port', '0', '--fail-after', '2', '--recover-after', '3']);
    const port = Number((await fx.waitLine(/^listening \d+/)).split(' ')[1]);
    const spec: HealthSpec = { probe: { kind: 'http', url: `http://127.0.0.1:${port}/` }, interval: 20, timeout: 10_000, retries: 3, startPeriod: 0 };
    const rec = new Recorder();
    const h = startHealth(spec, fx.ctx, rec.health);
    t.after(() => h.cancel());
    await rec.next('healthy');
    const unhealthy = (await rec.next('unhealthy')) as { message: string };
    assert.match(unhealthy.message, /health check failed 3 times in a row: http .*: GET .*: HTTP 503/);
    await rec.next('healthy');
    h.cancel();
    await fx.waitLine(/^200 6$/);
    const requests = fx.lines.filter((l) => /^\d{3} /.test(l)).map((l) => l.split(' ')[0]);
    assert.deepEqual(requests.slice(0, 6), ['200', '200', '503', '503', '503', '200']);
    assert.deepEqual(
      rec.events.filter((e) => e.kind !== 'status').map((e) => e.kind),
      ['healthy', 'unhealthy', 'healthy'],
      'transitions only',
    );
    const statuses = rec.events.filter((e) => e.kind === 'status').map((e) => (e as { text: string }).text);
    assert.deepEqual(
      statuses.map((s) => s.slice(0, s.indexOf(':'))),
      ['health check failed (1 of 3)', 'health check failed (2 of 3)', 'health check failed (3 of 3)'],
    );
  });

  test('failures during start-period are not counted', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dinit-health-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const flag = join(dir, 'up');
    const probe = { kind: 'exec' as const, command: ['test', '-f', flag] };
    const rec = new Recorder();
    const startedAt = performance.now();
    const h = startHealth({ probe, interval: 30, timeout: 10_000, retries: 1, startPeriod: 500 }, bareContext(), rec.health);
    t.after(() => h.cancel());
    // retries: 1 would make the first counted failure fatal: none may come within the start period.
    const unhealthy = await rec.next('unhealthy');
    assert.ok(unhealthy.at - startedAt >= 500, `unhealthy only after the start period (${Math.round(unhealthy.at - startedAt)}ms)`);
    writeFileSync(flag, '');
    await rec.next('healthy');
  });

  test('a success during start-period ends it: later failures count at once', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dinit-health-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const flag = join(dir, 'up');
    writeFileSync(flag, '');
    const probe = { kind: 'exec' as const, command: ['test', '-f', flag] };
    const rec = new Recorder();
    const h = startHealth({ probe, interval: 30, timeout: 10_000, retries: 1, startPeriod: 60_000 }, bareContext(), rec.health);
    t.after(() => h.cancel());
    await rec.next('healthy');
    unlinkSync(flag);
    await rec.next('unhealthy');
  });

  test('a tcp health probe against a closed port is unhealthy after its retries', async (t) => {
    const { freePort } = await import('./support.js');
    const port = await freePort();
    const rec = new Recorder();
    const h = startHealth({ probe: { kind: 'tcp', host: '127.0.0.1', port }, interval: 20, timeout: 10_000, retries: 2, startPeriod: 0 }, bareContext(), rec.health);
    t.after(() => h.cancel());
    const u = (await rec.next('unhealthy')) as { message: string };
    assert.match(u.message, /failed 2 times in a row: tcp 127\.0\.0\.1:\d+: connect to .*ECONNREFUSED/);
    assert.equal(rec.count('healthy'), 0);
  });

  test('notify and log kinds make no sense for health: reported healthy once, never probed', async () => {
    for (const probe of [{ kind: 'notify-systemd' as const }, { kind: 'notify-fd' as const, fd: 3 }, { kind: 'log' as const, pattern: 'x' }]) {
      const rec = new Recorder();
      startHealth({ probe, interval: 10, timeout: 10, retries: 1, startPeriod: 0 }, bareContext(), rec.health);
      await rec.next('healthy');
      await new Promise((r) => setTimeout(r, 30));
      assert.deepEqual(
        rec.events.map((e) => e.kind),
        ['healthy'],
      );
    }
  });
});
