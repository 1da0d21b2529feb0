// Liveness versus readiness over the graph, with a fake driver and clock: a
// service that is restarting is not ready but still live; one that failed
// for good makes the whole not live (the meaning of /livez and /readyz).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceSet } from '../../src/core/service-set.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeDriver } from '../helpers/fake-driver.js';
import { config, svc } from '../helpers/service-config.js';

test('a crashed service waiting to restart is not ready but live; past its restart limit it is neither', () => {
  const clock = new FakeClock();
  const driver = new FakeDriver();
  const set = new ServiceSet(config([svc('flaky', { restartLimit: { count: 1, interval: 10_000 } }), svc('steady')]), { clock, driver, listener: () => undefined });
  driver.events = set;
  set.boot();
  assert.deepEqual(set.health('live'), { ok: true, problems: [] });
  assert.equal(set.health().ok, true);

  driver.exit('flaky', 1); // first crash: a restart is due
  assert.equal(set.health().ok, false);
  assert.deepEqual(set.health('live'), { ok: true, problems: [] });

  driver.exitStopped();
  clock.advance(200); // restarted
  driver.exit('flaky', 1); // second crash within the interval: failed for good
  driver.exitStopped();
  clock.advance(10_000);
  const live = set.health('live');
  assert.equal(live.ok, false);
  assert.equal(live.problems.length, 1);
  assert.match(live.problems[0] ?? '', /^flaky: failed \(restarted 1 times within 10s/);
  assert.equal(set.health().ok, false);
});

test('a service stopped on request is not a liveness problem, but its site is down: not ready', () => {
  const clock = new FakeClock();
  const driver = new FakeDriver();
  const set = new ServiceSet(config([svc('web')]), { clock, driver, listener: () => undefined });
  driver.events = set;
  set.boot();
  set.stop(['web']);
  driver.exitStopped();
  assert.equal(set.status()[0]?.state, 'stopped');
  assert.deepEqual(set.health('live'), { ok: true, problems: [] });
  assert.deepEqual(set.health().problems, ['web: stopped (stopped on request)']);
});
