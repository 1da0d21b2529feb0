// Smooth recovery in the graph: the relaunched process is held to the same
// rules as a first start (dinit's test_proc_smooth_recovery6). Fake driver and
// clock: readiness comes only when the test says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceConfig } from '../../src/types.js';
import { bootedSet } from '../helpers/booted-set.js';
import { svc } from '../helpers/service-config.js';

const ready = { probe: { kind: 'log', pattern: 'up' }, interval: 100, timeout: 1000 } as const;

function setup(extra: Partial<ServiceConfig> = {}) {
  const booted = bootedSet([svc('db', { smoothRecovery: true, ready, startTimeout: 1000, restartDelay: 200, stopTimeout: 500, ...extra }), svc('api', { dependsOn: ['db'] })], { autoReady: false });
  booted.set.ready('db');
  booted.set.ready('api');
  booted.driver.take();
  return booted;
}

test('a smooth-recovery relaunch that never becomes ready is stopped at start-timeout and the service fails with the reason', () => {
  const { clock, driver, row } = setup();
  driver.exit('db', null, 'SIGKILL');
  clock.advance(200);
  assert.deepEqual(driver.take(), ['start:db']);
  assert.equal(row('db').state, 'started');
  clock.advance(999);
  assert.deepEqual(driver.take(), [], 'not stopped before start-timeout');
  clock.advance(1);
  // Its dependents were up on a service that had no ready process: both go down at once.
  assert.deepEqual(driver.take(), ['stop:db', 'stop:api'], 'the relaunched process is signalled');
  assert.equal(row('db').state, 'stopping');
  driver.exitStopped();
  assert.equal(row('db').state, 'stopped');
  assert.equal(row('db').failed, true);
  assert.match(row('db').reason ?? '', /not ready within start-timeout 1s/);
  assert.equal(row('api').state, 'stopped');
  clock.advance(60_000);
  assert.deepEqual(driver.take(), [], 'a failed service is not restarted');
});

test('a smooth-recovery relaunch that becomes ready in time is not stopped later', () => {
  const { clock, driver, set, row } = setup();
  driver.exit('db', null, 'SIGKILL');
  clock.advance(200);
  driver.take();
  set.ready('db');
  assert.equal(row('db').ready, true);
  clock.advance(60_000);
  assert.deepEqual(driver.take(), []);
  assert.equal(row('db').state, 'started');
});

test('a relaunch that crashes again before it is ready is relaunched, each under its own start-timeout', () => {
  const { clock, driver, set, row } = setup({ restartLimit: { count: 10, interval: 60_000 } });
  driver.exit('db', null, 'SIGKILL');
  clock.advance(200);
  driver.exit('db', 1);
  clock.advance(900);
  assert.deepEqual(driver.take(), ['start:db', 'start:db']);
  // The first relaunch's start-timeout would end at 1200 ms, the second's at 1400 ms.
  clock.advance(150);
  assert.deepEqual(driver.take(), [], 'the first relaunch timer was cleared with its process');
  set.ready('db');
  assert.equal(row('db').ready, true);
});
