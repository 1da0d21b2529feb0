// The Supervisor (ServiceSet + ProcessDriver) over a fake ProcessHost and the
// fake clock: timeouts, restarts and stops end to end through the runtime, with
// scripted process exits and no real process (dinit's proctests.cc style).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { svc } from '../helpers/service-config.js';
import { rig, settle } from './support.js';

const logReady = { probe: { kind: 'log' as const, pattern: 'listening' }, interval: 100, timeout: 1000 };

describe('supervisor runtime (fake host, fake clock)', () => {
  it('SIGKILLs a process that outlives its stop-timeout, and ends stopped when it dies', async () => {
    const r = await rig([svc('stubborn', { stopTimeout: 2000 })]);
    const pid = r.pid('stubborn');
    r.host.take();
    void r.sup.stop(['stubborn'], false);
    await settle();
    assert.deepEqual(r.host.take(), [`group:${pid}:SIGTERM`]);
    await r.advance(1999);
    assert.deepEqual(r.host.take(), []);
    assert.equal(r.row('stubborn').state, 'stopping');
    await r.advance(1);
    assert.deepEqual(r.host.take(), [`tree:${pid}:SIGKILL`]);
    r.host.exit(pid, null, 'SIGKILL');
    await settle();
    assert.equal(r.row('stubborn').state, 'stopped');
  });

  it('stops a process that never becomes ready within start-timeout, and says why', async () => {
    const r = await rig([svc('slow', { ready: logReady, startTimeout: 500, restart: 'never' })]);
    const pid = r.pid('slow');
    assert.equal(r.row('slow').state, 'starting');
    r.host.take();
    await r.advance(500);
    assert.deepEqual(r.host.take(), [`group:${pid}:SIGTERM`]);
    r.host.exit(pid, null, 'SIGTERM');
    await settle();
    const row = r.row('slow');
    assert.equal(row.state, 'stopped');
    assert.equal(row.failed, true);
    assert.match(row.reason ?? '', /start.?timeout|did not start|within/i);
  });

  it('counts a service started once its readiness line is printed', async () => {
    const r = await rig([svc('web', { ready: logReady })]);
    assert.equal(r.row('web').state, 'starting');
    r.log.line('web', 'still loading');
    await settle();
    assert.equal(r.row('web').state, 'starting');
    r.log.line('web', 'listening on :80');
    await settle();
    assert.equal(r.row('web').state, 'started');
  });

  it('runs an exec health probe on the clock: a probe child per interval, and `retries` failures recycle the service', async () => {
    const health = { probe: { kind: 'exec' as const, command: ['check-api'] }, interval: 1000, timeout: 500, retries: 2, startPeriod: 0 };
    const r = await rig([svc('api', { health, restart: 'always', restartDelay: 0 })]);
    const pid = r.pid('api');
    const probe1 = r.host.last('check-api');
    assert.equal(probe1.role, 'probe');
    r.host.exit(probe1.pid, 0);
    await settle();
    assert.equal(r.row('api').health, 'healthy');
    await r.advance(999);
    assert.equal(r.host.last('check-api'), probe1, 'no second attempt before the interval');
    await r.advance(1);
    r.host.exit(r.host.last('check-api').pid, 1);
    await settle();
    await r.advance(1000);
    const hung = r.host.last('check-api');
    r.host.take();
    await r.advance(500); // the attempt's timeout: its group is killed, and it counts as a failure
    assert.deepEqual(r.host.take().slice(0, 2), [`group:${hung.pid}:SIGKILL`, `group:${pid}:SIGTERM`]);
    assert.equal(r.row('api').health, 'unhealthy');
    r.host.exit(pid, null, 'SIGTERM');
    await r.advance(0);
    assert.notEqual(r.pid('api'), pid, 'recycled: a new process');
  });

  it('restarts a crashed process after restart-delay, as a new process', async () => {
    const r = await rig([svc('w', { restart: 'on-failure', restartDelay: 250 })]);
    const first = r.pid('w');
    r.host.exit(first, 2);
    await settle();
    await r.advance(249);
    assert.equal(r.host.procs.length, 1);
    await r.advance(1);
    const second = r.pid('w');
    assert.notEqual(second, first);
    assert.equal(r.row('w').state, 'started');
  });

  // dinit test_restart_stop1/2 (issue 12, fault 2): a stop issued while a restart is still
  // stopping cancels the restart.
  it('a stop during a restart cancels it: both the service and its dependent end stopped', async () => {
    const r = await rig([svc('s1', { stopTimeout: 5000 }), svc('s2', { dependsOn: ['s1'] })]);
    const p1 = r.pid('s1');
    const p2 = r.pid('s2');
    const restarted = r.sup.restart(['s1'], true);
    await settle();
    r.host.exit(p2, null, 'SIGTERM'); // the dependent stops first; s1 is slow to stop
    await settle();
    assert.equal(r.row('s1').state, 'stopping');
    const stopped = r.sup.stop(['s1'], true);
    r.host.exit(p1, null, 'SIGTERM');
    await settle();
    await r.advance(10_000);
    await Promise.race([restarted, settle()]);
    await stopped;
    assert.equal(r.row('s1').state, 'stopped');
    assert.equal(r.row('s2').state, 'stopped');
    assert.equal(r.host.procs.length, 2, `nothing started again: ${r.host.calls.join(' ')}`);
  });

  // dinit test_proc_smooth_recovery6 (issue 12, fault 4): a smooth-recovery relaunch is held to
  // start-timeout exactly as a first start is.
  it('stops a smooth-recovery relaunch that never becomes ready within start-timeout', async () => {
    const r = await rig([svc('db', { ready: logReady, smoothRecovery: true, restart: 'always', restartDelay: 0, startTimeout: 1000, restartLimit: { count: 1, interval: 60_000 } })]);
    const first = r.pid('db');
    r.log.line('db', 'listening');
    await settle();
    assert.equal(r.row('db').state, 'started');
    r.host.exit(first, 1);
    await settle();
    await r.advance(0);
    const relaunch = r.host.last('svc-db').pid;
    assert.notEqual(relaunch, first, 'relaunched');
    r.host.take();
    await r.advance(1000);
    assert.deepEqual(r.host.take(), [`group:${relaunch}:SIGTERM`], 'the relaunch is signalled when start-timeout runs out');
    r.host.exit(relaunch, null, 'SIGTERM');
    await settle();
    const row = r.row('db');
    assert.equal(row.state, 'stopped');
    assert.match(row.reason ?? '', /start.?timeout|within/i);
  });

  it('stop-group: false sends stop-signal to the main process alone, then SIGKILL to the group and its session after stop-timeout', async () => {
    const r = await rig([svc('pool', { stopGroup: false, stopSignal: 'SIGQUIT', stopTimeout: 3000 })]);
    const pid = r.pid('pool');
    r.host.take();
    void r.sup.stop(['pool'], false);
    await settle();
    assert.deepEqual(r.host.take(), [`pid:${pid}:SIGQUIT`], 'the group is not signalled: the main process stops its workers itself');
    await r.advance(2999);
    assert.deepEqual(r.host.take(), []);
    assert.equal(r.row('pool').state, 'stopping');
    await r.advance(1);
    assert.deepEqual(r.host.take(), [`tree:${pid}:SIGKILL`]);
    r.host.exit(pid, null, 'SIGKILL');
    await settle();
    assert.equal(r.row('pool').state, 'stopped');
  });
});
