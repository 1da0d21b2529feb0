// Graph bugs the chaos suite (test/chaos/) found, each replayed here with the
// fake driver and clock so it stays fixed: the exact sequence, then the state
// the set must settle in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceSet } from '../../src/core/service-set.js';
import type { ServiceConfig } from '../../src/types.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeDriver } from '../helpers/fake-driver.js';
import { config, svc } from '../helpers/service-config.js';

function setup(services: ServiceConfig[]) {
  const clock = new FakeClock();
  const driver = new FakeDriver();
  const set = new ServiceSet(config(services), { clock, driver });
  driver.events = set;
  set.boot();
  const row = (n: string) => set.status([n])[0]!;
  return { clock, driver, set, row };
}

/** Quiet: nothing starting or stopping, and whatever should be up is up. */
function assertSettled(set: ServiceSet): void {
  for (const s of set.status()) {
    const ok = (s.state === 'started' && s.target === 'up') || (s.state === 'stopped' && s.target === 'down');
    assert.ok(ok, `${s.name} is ${s.state} with target ${s.target}`);
  }
}

test('starting a service does not lift a stop that another service caused on its dependents', () => {
  // api depends on migrate and waits for cache; `stop migrate` holds api down.
  const { driver, set, row } = setup([svc('migrate'), svc('cache'), svc('api', { dependsOn: ['migrate'], waitsFor: ['cache'] }), svc('worker', { dependsOn: ['api'] })]);
  set.stop(['migrate']);
  driver.exitStopped();
  driver.exitStopped();
  driver.exitStopped();
  assert.equal(row('api').state, 'stopped');
  // `restart cache` = stop + start: cache's soft dependent api must stay held down by migrate.
  set.stop(['cache']);
  driver.exitStopped();
  set.start(['cache']);
  assertSettled(set);
  assert.equal(row('api').target, 'down');
  assert.match(row('api').reason ?? '', /dependency migrate stopped/);
  assert.equal(row('worker').target, 'down');
  // Starting the cause brings them all back.
  set.start(['migrate']);
  assertSettled(set);
  assert.equal(row('worker').state, 'started');
});

test('a milestone dependent that crashes while its milestone is held down waits with a reason, and returns with it', () => {
  const { clock, driver, set, row } = setup([svc('api'), svc('web', { dependsMs: ['api'], restartDelay: 20 })]);
  set.stop(['api']);
  driver.exitStopped();
  assert.equal(row('web').state, 'started', 'a milestone stop leaves the dependent running');
  driver.exit('web', null, 'SIGKILL');
  clock.advance(20);
  assertSettled(set);
  assert.equal(row('web').state, 'stopped');
  assert.match(row('web').reason ?? '', /dependency api stopped/);
  set.start(['api']);
  assertSettled(set);
  assert.equal(row('web').state, 'started');
});

test('a service added by a reload under a held-down dependency waits with a reason instead of hanging wanted', () => {
  const { driver, set, row } = setup([svc('worker')]);
  set.stop(['worker']);
  driver.exitStopped();
  set.applyConfig(config([svc('worker'), svc('x4', { type: 'scripted', dependsOn: ['worker'] })]));
  assertSettled(set);
  assert.equal(row('x4').state, 'stopped');
  assert.match(row('x4').reason ?? '', /dependency worker stopped/);
  set.start(['worker']);
  assertSettled(set);
  assert.equal(row('x4').state, 'started');
});

test('a service whose dependency failed for good is reported failed, not left wanting to start', () => {
  const { driver, set, row } = setup([svc('db', { restart: 'never' })]);
  driver.exit('db', 1);
  assert.equal(row('db').failed, true);
  set.applyConfig(config([svc('db', { restart: 'never' }), svc('api', { dependsOn: ['db'] })]));
  assertSettled(set);
  assert.equal(row('api').failed, true);
  assert.match(row('api').reason ?? '', /dependency db failed/);
});
