// The graph's rules with a fake driver and a fake clock: no processes, no real time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServiceEvent } from '../../src/core/listener.js';
import { ServiceSet } from '../../src/core/service-set.js';
import type { Options, ServiceConfig } from '../../src/types.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeDriver } from '../helpers/fake-driver.js';
import { config, svc } from '../helpers/service-config.js';
import { inPlaceFields } from '../../src/config/keys.js';
import { parseConfig } from '../../src/config/index.js';

function setup(services: ServiceConfig[], options: Partial<Options> = {}, autoReady = true) {
  const clock = new FakeClock();
  const driver = new FakeDriver();
  driver.autoReady = autoReady;
  const events: ServiceEvent[] = [];
  const set = new ServiceSet(config(services, options), { clock, driver, listener: (e) => events.push(e) });
  driver.events = set;
  const state = (n: string) => set.get(n)?.state;
  const states = () => Object.fromEntries(set.names().map((n) => [n, state(n)]));
  return { clock, driver, set, events, state, states };
}

const chain = () => [svc('db'), svc('api', { dependsOn: ['db'] }), svc('worker', { dependsOn: ['api'] })];

describe('starting', () => {
  test('services start in parallel as soon as what they need is started', () => {
    const { driver, set } = setup([svc('a'), svc('b'), svc('c', { dependsOn: ['a', 'b'] })], {}, false);
    set.boot();
    assert.deepEqual(driver.take(), ['start:a', 'start:b']);
    set.ready('a');
    assert.deepEqual(driver.take(), []);
    set.ready('b');
    assert.deepEqual(driver.take(), ['start:c']);
  });

  test('a dependent waits for readiness, not for the spawn', () => {
    const { driver, set, state } = setup([svc('db'), svc('api', { dependsOn: ['db'] })], {}, false);
    set.boot();
    set.spawned('db', 10);
    assert.equal(state('db'), 'starting');
    assert.deepEqual(driver.take(), ['start:db']);
    set.ready('db');
    assert.deepEqual(driver.take(), ['start:api']);
  });

  test('a service that is not auto-start is started only as a dependency', () => {
    const { driver, set } = setup([svc('lib', { autoStart: false }), svc('lonely', { autoStart: false }), svc('app', { dependsOn: ['lib'] })]);
    set.boot();
    assert.deepEqual(driver.take(), ['start:lib', 'start:app']);
  });

  test('an internal service starts with no process once its dependencies are started', () => {
    const { driver, set, state } = setup([svc('a'), svc('all', { type: 'internal', command: [], dependsOn: ['a'] })]);
    set.boot();
    assert.deepEqual(driver.take(), ['start:a']);
    assert.equal(state('all'), 'started');
  });

  test('a scripted service is started when its command exits 0, and gates its dependents until then', () => {
    const { driver, set, state } = setup([svc('migrate', { type: 'scripted' }), svc('web', { dependsOn: ['migrate'] })], {}, false);
    set.boot();
    assert.deepEqual(driver.take(), ['start:migrate']);
    driver.exit('migrate', 0);
    assert.equal(state('migrate'), 'started');
    assert.deepEqual(driver.take(), ['start:web']);
  });

  test('a scripted service that exits non-zero fails and its dependents never start', () => {
    const { driver, set } = setup([svc('migrate', { type: 'scripted' }), svc('web', { dependsOn: ['migrate'] })], {}, false);
    set.boot();
    driver.take();
    driver.exit('migrate', 3);
    assert.deepEqual(driver.take(), []);
    const [m, w] = set.status(['migrate', 'web']);
    assert.equal(m?.failed, true);
    assert.match(m.reason ?? '', /exited with code 3/);
    assert.equal(w?.failed, true);
    assert.match(w.reason ?? '', /dependency migrate failed/);
  });
});

describe('dependency kinds', () => {
  test('a milestone dependency gates the start only: its later stop leaves the dependent running', () => {
    const { driver, set, state } = setup([svc('init', { restart: 'never' }), svc('app', { dependsMs: ['init'] })], {}, false);
    set.boot();
    assert.deepEqual(driver.take(), ['start:init']);
    set.ready('init');
    assert.deepEqual(driver.take(), ['start:app']);
    set.ready('app');
    driver.exit('init', 1);
    assert.equal(state('init'), 'stopped');
    assert.equal(state('app'), 'started');
    assert.deepEqual(driver.take(), []);
  });

  test('a milestone dependency that fails before the start keeps the dependent from starting', () => {
    const { driver, set, state } = setup([svc('init', { restart: 'never' }), svc('app', { dependsMs: ['init'] })], {}, false);
    set.boot();
    driver.exit('init', 1);
    assert.deepEqual(driver.take(), ['start:init']);
    assert.equal(state('app'), 'stopped');
    assert.equal(set.status(['app'])[0]?.failed, true);
  });

  test('waits-for waits for the dependency to start', () => {
    const { driver, set } = setup([svc('cache'), svc('web', { waitsFor: ['cache'] })], {}, false);
    set.boot();
    assert.deepEqual(driver.take(), ['start:cache']);
    set.ready('cache');
    assert.deepEqual(driver.take(), ['start:web']);
  });

  test('waits-for also proceeds when the dependency fails to start', () => {
    const { driver, set } = setup([svc('cache'), svc('web', { waitsFor: ['cache'] })], {}, false);
    set.boot();
    driver.take();
    set.startFailed('cache', "cannot execute 'redis': not found", 'ENOENT');
    assert.deepEqual(driver.take(), ['start:web']);
  });

  test('a soft dependency that crashes never stops its dependent', () => {
    const { driver, set, state, clock } = setup([svc('cache'), svc('web', { waitsFor: ['cache'] })]);
    set.boot();
    driver.take();
    driver.exit('cache', null, 'SIGKILL');
    assert.equal(state('web'), 'started');
    clock.advance(200);
    assert.deepEqual(driver.take(), ['start:cache']);
    assert.equal(state('web'), 'started');
  });

  test('after orders the start when both start, and never stops anything', () => {
    const { driver, set, state } = setup([svc('b', { after: ['a'] }), svc('a')], {}, false);
    set.boot();
    assert.deepEqual(driver.take(), ['start:a']);
    set.ready('a');
    assert.deepEqual(driver.take(), ['start:b']);
    set.ready('b');
    driver.exit('a', null, 'SIGKILL');
    assert.equal(state('b'), 'started');
  });

  test('after does not pull in a service that is not otherwise started', () => {
    const { driver, set } = setup([svc('a', { autoStart: false }), svc('b', { after: ['a'] })]);
    set.boot();
    assert.deepEqual(driver.take(), ['start:b']);
  });
});

describe('rollback and restart', () => {
  test('a crashed hard dependency rolls back its dependents in reverse order, then all come back', () => {
    const { driver, set, clock, states } = setup(chain());
    set.boot();
    assert.deepEqual(driver.take(), ['start:db', 'start:api', 'start:worker']);
    driver.exit('db', null, 'SIGKILL');
    assert.deepEqual(driver.take(), ['stop:worker'], 'worker goes first; api waits for it');
    driver.exit('worker', 0);
    assert.deepEqual(driver.take(), ['stop:api']);
    driver.exit('api', 0);
    assert.deepEqual(states(), { db: 'stopped', api: 'stopped', worker: 'stopped' });
    clock.advance(199);
    assert.deepEqual(driver.take(), [], 'restart-delay is honoured');
    clock.advance(1);
    assert.deepEqual(driver.take(), ['start:db', 'start:api', 'start:worker']);
    assert.deepEqual(states(), { db: 'started', api: 'started', worker: 'started' });
    assert.equal(set.get('db')?.restarts, 1);
  });

  test('a restarted dependency waits until the rollback of its dependents is complete', () => {
    const { driver, set, clock } = setup(chain());
    set.boot();
    driver.take();
    driver.exit('db', 1);
    clock.advance(1000);
    assert.deepEqual(driver.take(), ['stop:worker'], 'db does not restart while api and worker are up');
    driver.exit('worker', 0);
    driver.exit('api', 0);
    assert.deepEqual(driver.take(), ['stop:api', 'start:db', 'start:api', 'start:worker']);
  });

  test('the rollback line names the dependency that went down, not the next link of the chain', () => {
    const { driver, set, events } = setup(chain());
    set.boot();
    driver.exit('db', null, 'SIGKILL');
    const stopping = events.filter((e) => e.type === 'stopping');
    assert.deepEqual(stopping, [{ type: 'stopping', name: 'worker', cause: { kind: 'dependency', service: 'db', failed: false } }]);
    driver.exitStopped();
    const api = events.find((e) => e.type === 'stopping' && e.name === 'api');
    assert.deepEqual(api, { type: 'stopping', name: 'api', cause: { kind: 'dependency', service: 'db', failed: false } });
  });

  test('smooth-recovery restarts the process without touching its dependents', () => {
    const { driver, set, clock, state, events } = setup([svc('db', { smoothRecovery: true }), svc('api', { dependsOn: ['db'] })]);
    set.boot();
    driver.take();
    driver.exit('db', null, 'SIGKILL');
    assert.equal(state('db'), 'started');
    assert.deepEqual(driver.take(), []);
    clock.advance(200);
    assert.deepEqual(driver.take(), ['start:db'], 'only db is respawned; api is never stopped');
    assert.equal(state('api'), 'started');
    assert.ok(events.some((e) => e.type === 'restarting' && e.smooth));
  });

  test('restart: on-failure does not restart a clean exit; the service completes and hard dependents stop', () => {
    const { driver, set, clock, state } = setup([svc('job'), svc('after-job', { dependsOn: ['job'] })]);
    set.boot();
    driver.take();
    driver.exit('job', 0);
    clock.advance(1000);
    assert.deepEqual(driver.take(), ['stop:after-job']);
    assert.equal(state('job'), 'stopped');
    assert.match(set.status(['job'])[0]?.reason ?? '', /completed/);
  });

  test('restart: always restarts a clean exit', () => {
    const { driver, set, clock } = setup([svc('ticker', { restart: 'always' })]);
    set.boot();
    driver.take();
    driver.exit('ticker', 0);
    clock.advance(200);
    assert.deepEqual(driver.take(), ['start:ticker']);
  });

  test('restart: never leaves a crashed service failed', () => {
    const { driver, set, clock } = setup([svc('once', { restart: 'never' })]);
    set.boot();
    driver.take();
    driver.exit('once', 2);
    clock.advance(10_000);
    assert.deepEqual(driver.take(), []);
    assert.equal(set.status(['once'])[0]?.failed, true);
  });

  test('exceeding restart-limit fails the service and stops its hard dependents', () => {
    const { driver, set, clock, events } = setup([svc('flaky', { restartLimit: { count: 2, interval: 10_000 } }), svc('user', { dependsOn: ['flaky'] })]);
    set.boot();
    for (let i = 0; i < 2; i++) {
      driver.exit('flaky', 1);
      driver.exitStopped();
      clock.advance(200);
    }
    driver.take();
    driver.exit('flaky', 1);
    driver.exitStopped();
    clock.advance(10_000);
    assert.deepEqual(driver.take(), ['stop:user']);
    const [f, u] = set.status(['flaky', 'user']);
    assert.equal(f?.state, 'stopped');
    assert.match(f.reason ?? '', /restarted 2 times within 10s/);
    assert.equal(u?.failed, true);
    assert.ok(events.some((e) => e.type === 'failed' && e.name === 'flaky'));
  });

  test('restarts outside the restart-limit interval do not count', () => {
    const { driver, set, clock } = setup([svc('flaky', { restartLimit: { count: 1, interval: 1000 } })]);
    set.boot();
    for (let i = 0; i < 5; i++) {
      driver.take();
      driver.exit('flaky', 1);
      clock.advance(1200);
      assert.deepEqual(driver.take(), ['start:flaky'], `restart ${i + 1}`);
    }
  });

  test('on-failure: shutdown stops everything with exit code 1 when a service fails for good', () => {
    const { driver, set, events } = setup([svc('a', { restart: 'never' }), svc('b')], { onFailure: 'shutdown' });
    set.boot();
    driver.take();
    driver.exit('a', 1);
    assert.deepEqual(driver.take(), ['stop:b']);
    driver.exitStopped();
    assert.ok(events.some((e) => e.type === 'all-stopped'));
    assert.equal(set.exitCode(), 1);
  });

  test('on-failure: continue keeps the others running', () => {
    const { driver, set, state } = setup([svc('a', { restart: 'never' }), svc('b')]);
    set.boot();
    driver.exit('a', 1);
    assert.equal(state('b'), 'started');
    assert.equal(set.isShuttingDown(), false);
  });
});

describe('stopping', () => {
  test('stop-timeout escalates to kill', () => {
    const { driver, set, clock } = setup([svc('stubborn', { stopTimeout: 500 })]);
    set.boot();
    driver.take();
    set.stop(['stubborn']);
    assert.deepEqual(driver.take(), ['stop:stubborn']);
    clock.advance(499);
    assert.deepEqual(driver.take(), []);
    clock.advance(1);
    assert.deepEqual(driver.take(), ['kill:stubborn']);
    driver.exit('stubborn', null, 'SIGKILL');
    assert.equal(set.get('stubborn')?.state, 'stopped');
  });

  test('stopping a service stops its hard dependents first and keeps soft dependents running', () => {
    const { driver, set, state } = setup([svc('db'), svc('api', { dependsOn: ['db'] }), svc('viewer', { waitsFor: ['db'] })]);
    set.boot();
    driver.take();
    set.stop(['db']);
    assert.deepEqual(driver.take(), ['stop:api']);
    driver.exitStopped();
    assert.deepEqual(driver.take(), ['stop:db']);
    driver.exitStopped();
    assert.equal(state('viewer'), 'started');
    assert.equal(state('db'), 'stopped');
  });

  test('starting a stopped dependency brings back what stopping it took down', () => {
    const { driver, set, states } = setup(chain());
    set.boot();
    set.stop(['db']);
    driver.exitStopped();
    driver.exitStopped();
    driver.exitStopped();
    assert.deepEqual(states(), { db: 'stopped', api: 'stopped', worker: 'stopped' });
    driver.take();
    set.start(['db']);
    assert.deepEqual(driver.take(), ['start:db', 'start:api', 'start:worker']);
  });

  test('shutdown stops dependents before dependencies, independent ones in parallel', () => {
    const { driver, set, events } = setup([...chain(), svc('solo')]);
    set.boot();
    driver.take();
    set.shutdown('SIGTERM');
    assert.deepEqual(driver.take(), ['stop:worker', 'stop:solo']);
    driver.exit('solo', 0);
    driver.exit('worker', 0);
    assert.deepEqual(driver.take(), ['stop:api']);
    driver.exit('api', 0);
    assert.deepEqual(driver.take(), ['stop:db']);
    assert.ok(!events.some((e) => e.type === 'all-stopped'));
    driver.exit('db', 0);
    assert.ok(events.some((e) => e.type === 'all-stopped'));
    assert.equal(set.exitCode(), 0);
  });

  test('a crash during shutdown is not restarted', () => {
    const { driver, set, clock } = setup([svc('a', { restart: 'always' }), svc('b', { dependsOn: ['a'] })]);
    set.boot();
    set.shutdown();
    driver.take();
    driver.exit('a', null, 'SIGKILL');
    clock.advance(1000);
    assert.ok(!driver.take().includes('start:a'));
  });

  test('killAll kills every running process at once', () => {
    const { driver, set } = setup(chain());
    set.boot();
    set.shutdown();
    driver.take();
    set.killAll();
    assert.deepEqual(driver.take().sort(), ['kill:api', 'kill:db', 'kill:worker']);
  });
});

describe('failures and main', () => {
  test('a service that cannot be executed fails with the reason and the others keep running', () => {
    const { driver, set, state } = setup([svc('ghost'), svc('ok')]);
    driver.autoReady = false;
    set.boot();
    set.ready('ok');
    set.startFailed('ghost', "cannot execute 'nope': not found in PATH (ENOENT)", 'ENOENT');
    const [g] = set.status(['ghost']);
    assert.equal(g?.failed, true);
    assert.match(g.reason ?? '', /ENOENT/);
    assert.equal(state('ok'), 'started');
  });

  test('not ready within start-timeout: stopped, failed, and its dependents never start', () => {
    const { driver, set, clock } = setup([svc('slow', { startTimeout: 1000 }), svc('dep', { dependsOn: ['slow'] })], {}, false);
    set.boot();
    driver.take();
    clock.advance(1000);
    assert.deepEqual(driver.take(), ['stop:slow']);
    driver.exit('slow', null, 'SIGTERM');
    const [s, d] = set.status(['slow', 'dep']);
    assert.match(s?.reason ?? '', /start-timeout 1s/);
    assert.equal(s?.failed, true);
    assert.equal(d?.failed, true);
    assert.deepEqual(driver.take(), []);
  });

  test("main's exit stops everything and becomes the exit code (128+N when killed)", () => {
    for (const [code, signal, want] of [
      [7, null, 7],
      [null, 'SIGKILL', 137],
    ] as const) {
      const { driver, set, events } = setup([svc('side'), svc('main', { main: true, restart: 'always' })]);
      set.boot();
      driver.take();
      driver.exit('main', code, signal);
      assert.deepEqual(driver.take(), ['stop:side']);
      driver.exitStopped();
      assert.ok(events.some((e) => e.type === 'all-stopped'));
      assert.equal(set.exitCode(), want);
    }
  });

  test('main that cannot be executed exits 127 (not found) or 126 (not executable)', () => {
    for (const [errno, want] of [
      ['ENOENT', 127],
      ['EACCES', 126],
    ] as const) {
      const { set } = setup([svc('main', { main: true })], {}, false);
      set.boot();
      set.startFailed('main', 'cannot execute', errno);
      assert.equal(set.exitCode(), want);
    }
  });

  test('a failed health check restarts the service as after a crash, rolling back dependents', () => {
    const { driver, set, clock, events } = setup([svc('db'), svc('api', { dependsOn: ['db'] })]);
    set.boot();
    driver.take();
    set.unhealthy('db', 'tcp 5432: connection refused');
    assert.deepEqual(driver.take(), ['stop:db']);
    driver.exit('db', null, 'SIGTERM');
    assert.deepEqual(driver.take(), ['stop:api']);
    driver.exit('api', 0);
    clock.advance(200);
    assert.deepEqual(driver.take(), ['start:db', 'start:api']);
    assert.ok(events.some((e) => e.type === 'restarting' && e.name === 'db'));
  });

  test('start clears a failure and brings the service and its failed dependents back', () => {
    const { driver, set, states } = setup([svc('db', { restart: 'never' }), svc('api', { dependsOn: ['db'] })]);
    set.boot();
    driver.exit('db', 1);
    driver.exitStopped();
    driver.take();
    assert.equal(set.health().ok, false);
    set.start(['db']);
    assert.deepEqual(driver.take(), ['start:db', 'start:api']);
    assert.deepEqual(states(), { db: 'started', api: 'started' });
    assert.equal(set.health().ok, true);
  });

  test('health is ok only when every service that should be up is started', () => {
    const { set } = setup([svc('a'), svc('b', { dependsOn: ['a'] }), svc('idle', { autoStart: false })], {}, false);
    set.boot();
    assert.deepEqual(set.health().problems, ['a: starting', 'b: stopped']);
    set.ready('a');
    set.ready('b');
    assert.deepEqual(set.health(), { ok: true, problems: [] });
  });

  test('liveness holds through crash recovery and a requested stop; readiness does not', () => {
    const { driver, set, clock } = setup([svc('db'), svc('web', { dependsOn: ['db'] })]);
    set.boot();
    driver.take();
    driver.exit('db', 1); // a crash: web rolls back, db restarts after restart-delay
    driver.exitStopped();
    assert.deepEqual(set.health('live'), { ok: true, problems: [] }, 'healing itself is alive');
    assert.equal(set.health('ready').ok, false, 'but not ready');
    clock.advance(200);
    assert.deepEqual(set.health('ready'), { ok: true, problems: [] });
    set.stop(['web']);
    driver.exitStopped();
    assert.deepEqual(set.health('live'), { ok: true, problems: [] });
    assert.deepEqual(set.health('ready').problems, ['web: stopped (stopped on request)'], 'the site is down: not ready');
    set.start(['web']);
    assert.deepEqual(set.health(), { ok: true, problems: [] }, 'ready is the default');
  });

  test('liveness fails only for a service that failed for good', () => {
    const { driver, set } = setup([svc('db', { restart: 'never' }), svc('api', { dependsOn: ['db'] })]);
    set.boot();
    driver.take();
    driver.exit('db', 3);
    driver.exitStopped();
    const live = set.health('live');
    assert.equal(live.ok, false);
    assert.match(live.problems[0] ?? '', /^db: failed \(exited with code 3\)/);
  });

  test('unknown services are named in the error', () => {
    const { set } = setup([svc('a')]);
    assert.throws(() => set.start(['a', 'nope']), /unknown service: nope/);
  });
});

describe('reload', () => {
  test('only changed services restart, with their dependents; added start; removed stop', () => {
    const { driver, set, states } = setup([...chain(), svc('old')]);
    set.boot();
    driver.take();
    const next = config([svc('db', { environment: { X: '1' } }), svc('api', { dependsOn: ['db'] }), svc('worker', { dependsOn: ['api'] }), svc('new')]);
    const diff = set.applyConfig(next);
    assert.deepEqual(diff, { added: ['new'], removed: ['old'], changed: ['db'], updated: [] });
    assert.deepEqual(driver.take().sort(), ['start:new', 'stop:old', 'stop:worker']);
    driver.exitStopped();
    driver.exitStopped();
    driver.exitStopped();
    driver.exitStopped();
    assert.ok(!set.has('old'));
    assert.deepEqual(states(), { db: 'started', api: 'started', worker: 'started', new: 'started' });
    assert.deepEqual(set.get('db')?.cfg.environment, { X: '1' });
  });

  test('an unchanged config changes nothing', () => {
    const { driver, set } = setup(chain());
    set.boot();
    driver.take();
    assert.deepEqual(set.applyConfig(config(chain())), { added: [], removed: [], changed: [], updated: [] });
    assert.deepEqual(driver.take(), []);
  });

  test('a change only to keys that apply in place updates the running service without a restart', () => {
    const clock = new FakeClock();
    const driver = new FakeDriver();
    const set = new ServiceSet(config(chain()), { clock, driver, inPlace: inPlaceFields() });
    driver.events = set;
    set.boot();
    driver.take();
    const next = config([
      svc('db', { stopTimeout: 9000, restartDelay: 1000, restartLimit: { count: 9, interval: 60_000 }, log: { ...svc('db').log, buffer: 5 } }),
      svc('api', { dependsOn: ['db'], command: ['other-program'] }),
      svc('worker', { dependsOn: ['api'] }),
    ]);
    assert.deepEqual(set.applyConfig(next), { added: [], removed: [], changed: ['api'], updated: ['db'] });
    assert.deepEqual(driver.take(), ['stop:worker'], 'api restarts (its dependents first); db is not touched');
    assert.equal(set.get('db')?.cfg.stopTimeout, 9000, 'the running db uses the new stop-timeout');
    assert.equal(set.get('db')?.state, 'started');
  });

  test('the key table says which keys apply in place, as ServiceConfig fields', () => {
    const fields = inPlaceFields();
    const known = new Set([...Object.keys(svc('x')), 'health', 'ready', 'user', 'umask', 'workingDir', 'stopCommand']); // optional fields are absent from a default
    for (const f of fields) assert.ok(known.has(f), `${f} is not a ServiceConfig field`);
    for (const f of ['stopTimeout', 'stopSignal', 'stopGroup', 'restart', 'restartDelay', 'restartLimit', 'health', 'log']) assert.ok(fields.has(f), f);
    for (const f of ['command', 'environment', 'user', 'workingDir', 'ready', 'dependsOn', 'type', 'main']) assert.ok(!fields.has(f), f);
  });
});

describe('success-exit-codes', () => {
  test('an exit listed in success-exit-codes completes under on-failure: no restart, not failed, dependents held', () => {
    const { driver, set, clock, state } = setup([svc('job', { successExitCodes: [0, 3] }), svc('after-job', { dependsOn: ['job'] })]);
    set.boot();
    driver.take();
    driver.exit('job', 3);
    assert.deepEqual(driver.take(), ['stop:after-job']);
    driver.exitStopped();
    clock.advance(10_000);
    assert.deepEqual(driver.take(), [], 'no restart');
    assert.equal(state('job'), 'stopped');
    const st = set.status(['job'])[0];
    assert.ok(st);
    assert.equal(st.failed, false);
    assert.match(st.reason ?? '', /completed/);
  });

  test('an exit not listed is a failure even if it is 0 when 0 is left out', () => {
    const { driver, set, clock } = setup([svc('odd', { successExitCodes: [3], restart: 'on-failure' })]);
    set.boot();
    driver.take();
    driver.exit('odd', 0);
    clock.advance(200);
    assert.deepEqual(driver.take(), ['start:odd']);
  });

  test('restart: always restarts success exits without counting them against restart-limit', () => {
    const { driver, set, clock, events } = setup([svc('tick', { restart: 'always', successExitCodes: [0, 3], restartLimit: { count: 1, interval: 60_000 } })]);
    set.boot();
    driver.take();
    for (let i = 0; i < 5; i++) {
      driver.exit('tick', i % 2 ? 3 : 0);
      clock.advance(200);
      assert.deepEqual(driver.take(), ['start:tick'], `clean exit ${i + 1} restarts`);
    }
    assert.equal(set.status(['tick'])[0]?.failed, false);
    assert.equal(set.status(['tick'])[0]?.restarts, 5);
    // A real failure still counts: the first is allowed (count 1), the second fails it.
    driver.exit('tick', 1);
    clock.advance(200);
    assert.deepEqual(driver.take(), ['start:tick']);
    driver.exit('tick', 1);
    clock.advance(200);
    assert.deepEqual(driver.take(), []);
    assert.equal(set.status(['tick'])[0]?.failed, true);
    assert.ok(events.some((e) => e.type === 'restarting' && e.attempt === 0));
  });

  test('main exiting with a success exit code makes dinit exit 0', () => {
    const { driver, set } = setup([svc('main', { main: true, successExitCodes: [0, 3] })]);
    set.boot();
    driver.take();
    driver.exit('main', 3);
    assert.equal(set.exitCode(), 0);
  });

  test('a scripted service that exits with a success exit code has started', () => {
    const { driver, set, state } = setup([svc('migrate', { type: 'scripted', successExitCodes: [0, 2] }), svc('web', { dependsOn: ['migrate'] })], {}, false);
    set.boot();
    assert.deepEqual(driver.take(), ['start:migrate']);
    driver.exit('migrate', 2);
    assert.equal(state('migrate'), 'started');
    assert.deepEqual(driver.take(), ['start:web']);
  });
});

describe('replicas', () => {
  const yaml = (n: number): string => `services:\n  db: { command: [db], replicas: ${n} }\n  api: { command: [api], depends-on: [db] }\n  other: { command: [o] }\n`;
  const load = (n: number) => parseConfig(yaml(n), '/test/dinit.yaml', {});

  test('a reload that only changes replicas starts or stops instances and touches nothing else', () => {
    const clock = new FakeClock();
    const driver = new FakeDriver();
    const events: ServiceEvent[] = [];
    const set = new ServiceSet(load(2), { clock, driver, listener: (e) => events.push(e) });
    driver.events = set;
    set.boot();
    assert.deepEqual(driver.take().sort(), ['start:api', 'start:db-1', 'start:db-2', 'start:other']);

    const up = set.applyConfig(load(3));
    assert.deepEqual(up, { added: ['db-3'], removed: [], changed: [], updated: [] });
    assert.deepEqual(driver.take(), ['start:db-3'], 'only the new instance starts; api is not rolled back');
    assert.equal(set.get('api')?.state, 'started');
    assert.deepEqual(set.get('api')?.cfg.dependsOn, ['db-1', 'db-2', 'db-3'], 'api now needs the new instance too');

    const down = set.applyConfig(load(1));
    assert.deepEqual(down, { added: [], removed: ['db-2', 'db-3'], changed: [], updated: [] });
    assert.deepEqual(driver.take().sort(), ['stop:db-2', 'stop:db-3']);
    driver.exitStopped();
    assert.deepEqual(set.names().sort(), ['api', 'db-1', 'other']);
    assert.equal(set.get('api')?.state, 'started');
    assert.ok(!events.some((e) => e.type === 'stopping' && e.name !== 'db-2' && e.name !== 'db-3'), 'nothing else stopped');

    // The instances still behave as hard dependencies: a crash of one rolls api back.
    driver.exit('db-1', 1);
    assert.deepEqual(driver.take(), ['stop:api']);
  });

  test('a new instance that fails to start takes down what needs every instance', () => {
    const clock = new FakeClock();
    const driver = new FakeDriver();
    const set = new ServiceSet(load(1), { clock, driver });
    driver.events = set;
    set.boot();
    driver.take();
    driver.autoReady = false;
    set.applyConfig(load(2));
    assert.deepEqual(driver.take(), ['start:db-2']);
    set.startFailed('db-2', 'cannot execute');
    assert.deepEqual(driver.take(), ['stop:api']);
  });
});

describe('spawn failures', () => {
  test('a transient spawn failure (EAGAIN) is a failed attempt: retried after restart-delay, never failed at once', () => {
    const { driver, set, state, clock, events } = setup([svc('web', { restart: 'always' })], {}, false);
    set.boot();
    assert.deepEqual(driver.take(), ['start:web']);
    set.startFailed('web', "cannot execute 'web': out of resources for now (EAGAIN), a transient failure", 'EAGAIN', true);
    assert.equal(set.status(['web'])[0]?.failed, false);
    assert.ok(events.some((e) => e.type === 'restarting' && e.name === 'web'));
    clock.advance(200);
    assert.deepEqual(driver.take(), ['start:web']);
    set.ready('web');
    assert.equal(state('web'), 'started');
    assert.equal(set.status(['web'])[0]?.restarts, 1);
  });

  test('transient spawn failures past restart-limit fail the service, naming the last cause', () => {
    const { driver, set, clock } = setup([svc('web', { restart: 'always', restartLimit: { count: 2, interval: 60_000 } })], {}, false);
    set.boot();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(driver.take(), ['start:web']);
      set.startFailed('web', "cannot execute 'web': out of resources for now (EMFILE), a transient failure", 'EMFILE', true);
      clock.advance(200);
    }
    const st = set.status(['web'])[0];
    assert.equal(st?.failed, true);
    assert.match(st.reason ?? '', /restart-limit.*EMFILE/);
  });

  test('a permanent spawn failure (ENOENT) fails at once, whatever the restart policy', () => {
    const { driver, set, clock } = setup([svc('web', { restart: 'always' })], {}, false);
    set.boot();
    driver.take();
    set.startFailed('web', "cannot execute 'web': not found in PATH (ENOENT)", 'ENOENT', false);
    assert.equal(set.status(['web'])[0]?.failed, true);
    clock.advance(10_000);
    assert.deepEqual(driver.take(), []);
  });
});
