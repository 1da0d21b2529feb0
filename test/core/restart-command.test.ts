// `dinit restart` in the graph (dinit's test_restart_stop1/2): a restart takes
// the service down with its hard dependents and brings them back, and a stop
// issued while it is still going down cancels it. Fake driver and clock: each
// "process" exits only when the test says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootedSet as setup } from '../helpers/booted-set.js';
import { svc } from '../helpers/service-config.js';

test('a restart takes the service down after its hard dependents, then brings both back', () => {
  const { driver, set, state } = setup([svc('s1'), svc('s2', { dependsOn: ['s1'] })]);
  set.restart(['s1']);
  assert.deepEqual(driver.take(), ['stop:s2']);
  driver.exit('s2', 0);
  assert.deepEqual(driver.take(), ['stop:s1']);
  driver.exit('s1', 0);
  assert.deepEqual(driver.take(), ['start:s1', 'start:s2']);
  assert.equal(state('s1'), 'started');
  assert.equal(state('s2'), 'started');
});

test('a restart keeps what the service was asked to do: one only needed by a dependent stays only needed', () => {
  const { driver, set } = setup([svc('s1', { autoStart: false }), svc('s2', { dependsOn: ['s1'] })]);
  set.restart(['s1']);
  driver.exitStopped();
  driver.exitStopped();
  assert.equal(set.get('s1')?.activated, false);
  assert.equal(set.status(['s1'])[0]!.state, 'started');
});

test('a stop of the service while its restart is still stopping cancels the restart (test_restart_stop1)', () => {
  const { driver, set, state } = setup([svc('s1'), svc('s2', { dependsOn: ['s1'] })]);
  set.restart(['s1']);
  driver.exit('s2', 0);
  assert.equal(state('s1'), 'stopping');
  set.stop(['s1']);
  driver.exit('s1', 0);
  assert.deepEqual(driver.take(), ['stop:s2', 'stop:s1']);
  assert.equal(state('s1'), 'stopped');
  assert.equal(state('s2'), 'stopped');
});

test('a stop of the service before its restart reached it (dependents still stopping) cancels the restart', () => {
  const { driver, set, state } = setup([svc('s1'), svc('s2', { dependsOn: ['s1'] })]);
  set.restart(['s1']);
  set.stop(['s1']);
  driver.exitStopped();
  driver.exitStopped();
  assert.deepEqual(driver.take(), ['stop:s2', 'stop:s1']);
  assert.equal(state('s1'), 'stopped');
  assert.equal(state('s2'), 'stopped');
});

test('a stop of the dependent that needed the service, mid-restart, cancels the restart (test_restart_stop2)', () => {
  const { driver, set, state } = setup([svc('s1', { autoStart: false }), svc('s2', { dependsOn: ['s1'] })]);
  set.restart(['s1']);
  driver.exit('s2', 0);
  assert.equal(state('s1'), 'stopping');
  set.stop(['s2']);
  driver.exit('s1', 0);
  assert.deepEqual(driver.take(), ['stop:s2', 'stop:s1']);
  assert.equal(state('s1'), 'stopped');
  assert.equal(state('s2'), 'stopped');
});

test('restarting a service that is not up starts it', () => {
  const { driver, set, state } = setup([svc('s1')]);
  set.stop(['s1']);
  driver.exitStopped();
  driver.take();
  set.restart(['s1']);
  assert.deepEqual(driver.take(), ['start:s1']);
  assert.equal(state('s1'), 'started');
});
