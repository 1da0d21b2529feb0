// The reconcile loop's shortcuts, held to the plain rules: a batch of ready
// services (spawnedReady) ends where the same calls one by one end, and every
// input — including those settled by a pass that only started services —
// leaves the set at a fixpoint, where one more reconcile changes nothing.
// Random graphs and inputs from a seeded PRNG, so a failure replays exactly.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServiceDriver } from '../../src/core/driver.js';
import type { ServiceEvent } from '../../src/core/listener.js';
import { ServiceSet } from '../../src/core/service-set.js';
import type { ServiceConfig } from '../../src/types.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { prng } from '../helpers/prng.js';
import { config, svc } from '../helpers/service-config.js';

/** Records starts and stops; the test says when a process spawns, is ready, or exits. */
class QuietDriver implements ServiceDriver {
  calls: string[] = [];
  starting = new Set<string>();
  running = new Set<string>();
  start(s: ServiceConfig): void {
    this.calls.push(`start:${s.name}`);
    this.starting.add(s.name);
  }
  stop(s: ServiceConfig): void {
    this.calls.push(`stop:${s.name}`);
  }
  kill(name: string): void {
    this.calls.push(`kill:${name}`);
  }
  signal(): boolean {
    return false;
  }
}

function setup(services: ServiceConfig[]) {
  const clock = new FakeClock();
  const driver = new QuietDriver();
  const events: ServiceEvent[] = [];
  const set = new ServiceSet(config(services), { clock, driver, listener: (e) => events.push(e) });
  const states = () => Object.fromEntries(set.names().map((n) => [n, set.get(n)?.state]));
  return { clock, driver, set, events, states };
}

/** A random acyclic graph: each service may need (depends-on, depends-ms, waits-for, after) earlier ones. */
function randomGraph(rand: () => number, n: number): ServiceConfig[] {
  const out: ServiceConfig[] = [];
  const pick = (i: number, p: number) => Array.from({ length: i }, (_, k) => `s${k}`).filter(() => rand() < p);
  for (let i = 0; i < n; i++) {
    const r = rand();
    const type = r < 0.1 ? 'internal' : r < 0.2 ? 'scripted' : 'process';
    out.push(
      svc(`s${i}`, {
        type,
        ...(type === 'internal' ? { command: [] } : {}),
        dependsOn: pick(i, 0.15),
        dependsMs: pick(i, 0.05),
        waitsFor: pick(i, 0.05),
        after: pick(i, 0.05),
        autoStart: rand() < 0.8,
        restart: rand() < 0.5 ? 'always' : 'on-failure',
        restartDelay: 0,
        restartLimit: { count: 3, interval: 10_000 },
      }),
    );
  }
  return out;
}

describe('spawnedReady', () => {
  test('a batch of ready services ends where the same calls one by one end', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rand = prng(seed);
      const services = randomGraph(rand, 12).map((s) => (s.type === 'scripted' ? { ...s, type: 'process' as const } : s));
      const a = setup(services);
      const b = setup(services);
      a.set.boot();
      b.set.boot();
      let pid = 100;
      for (let round = 0; round < 20; round++) {
        const starting = (x: ReturnType<typeof setup>) => [...x.driver.starting].filter((n) => x.set.get(n)?.state === 'starting').sort();
        const up = starting(a);
        assert.deepEqual(up, starting(b), `seed ${seed}: same services starting`);
        if (up.length === 0) break;
        const batch = up.filter(() => rand() < 0.7).map((name) => ({ name, pid: pid++ }));
        for (const { name } of batch) {
          a.driver.starting.delete(name);
          b.driver.starting.delete(name);
        }
        a.set.spawnedReady(batch);
        for (const { name, pid: p } of batch) {
          b.set.spawned(name, p);
          b.set.ready(name);
        }
        assert.deepEqual(a.states(), b.states(), `seed ${seed}, round ${round}`);
        assert.deepEqual([...a.driver.calls].sort(), [...b.driver.calls].sort(), `seed ${seed}, round ${round}: same starts`);
      }
      const key = (e: ServiceEvent) => JSON.stringify(e);
      assert.deepEqual(a.events.map(key).sort(), b.events.map(key).sort(), `seed ${seed}: the same event lines, in another order`);
    }
  });

  test('every started of the batch comes before the starts it allows', () => {
    const { driver, set, events } = setup([svc('a'), svc('b'), svc('c', { dependsOn: ['a'] }), svc('d', { dependsOn: ['b'] })]);
    set.boot();
    assert.deepEqual(driver.calls, ['start:a', 'start:b']);
    set.spawnedReady([
      { name: 'a', pid: 10 },
      { name: 'b', pid: 11 },
    ]);
    assert.deepEqual(driver.calls, ['start:a', 'start:b', 'start:c', 'start:d']);
    assert.deepEqual(
      events.filter((e) => e.type === 'started').map((e) => `${e.name}:${e.pid}`),
      ['a:10', 'b:11'],
    );
    assert.equal(set.get('a')?.pid, 10);
  });

  test('ignores a service of the batch that is no longer starting', () => {
    const { set, states } = setup([svc('a'), svc('b')]);
    set.boot();
    set.stop(['b']);
    set.spawnedReady([
      { name: 'a', pid: 10 },
      { name: 'b', pid: 11 },
    ]);
    assert.deepEqual(states(), { a: 'started', b: 'stopping' });
  });
});

describe('reconcile', () => {
  test('every input leaves a fixpoint: one more reconcile changes nothing', () => {
    for (let seed = 1; seed <= 80; seed++) {
      const rand = prng(1000 + seed);
      const services = randomGraph(rand, 10);
      const { clock, driver, set, events, states } = setup(services);
      const log: string[] = [];
      set.boot();
      let pid = 100;
      for (let i = 0; i < 60; i++) {
        const names = set.names();
        const name = names[Math.floor(rand() * names.length)] as string;
        const s = set.get(name);
        const r = rand();
        let what: string;
        if (r < 0.35) {
          const batch = [...driver.starting].filter((n) => set.get(n)?.state === 'starting' && set.get(n)?.cfg.type === 'process' && rand() < 0.6).map((n) => ({ name: n, pid: pid++ }));
          for (const b of batch) {
            driver.starting.delete(b.name);
            driver.running.add(b.name);
          }
          what = `spawnedReady ${batch.map((b) => b.name).join(',')}`;
          set.spawnedReady(batch);
        } else if (r < 0.5 && s && (s.state === 'starting' || s.state === 'stopping' || s.state === 'started') && s.cfg.type !== 'internal') {
          const code = rand() < 0.5 ? 0 : 1;
          what = `exited ${name} ${code}`;
          driver.starting.delete(name);
          driver.running.delete(name);
          set.exited(name, code, null);
        } else if (r < 0.55 && s?.state === 'starting') {
          what = `startFailed ${name}`;
          driver.starting.delete(name);
          set.startFailed(name, 'cannot execute');
        } else if (r < 0.7) {
          what = `start ${name}`;
          set.start([name]);
        } else if (r < 0.8) {
          what = `stop ${name}`;
          set.stop([name]);
        } else {
          what = 'time passes';
          clock.advance(1 + Math.floor(rand() * 20_000));
        }
        log.push(what);
        const before = { states: states(), events: events.length, calls: driver.calls.length };
        set.boot(); // a no-op input: one more reconcile
        const after = { states: states(), events: events.length, calls: driver.calls.length };
        assert.deepEqual(after, before, `seed ${1000 + seed}: not a fixpoint after: ${log.join('; ')}`);
      }
    }
  });
});
