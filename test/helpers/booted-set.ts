// A ServiceSet over the fake driver and clock, booted, with what boot asked of
// the driver already taken: the starting point of most graph tests.
import { ServiceSet } from '../../src/core/service-set.js';
import type { ServiceConfig } from '../../src/types.js';
import { FakeClock } from './fake-clock.js';
import { FakeDriver } from './fake-driver.js';
import { config } from './service-config.js';

export function bootedSet(services: ServiceConfig[], opts: { autoReady?: boolean } = {}) {
  const clock = new FakeClock();
  const driver = new FakeDriver();
  driver.autoReady = opts.autoReady ?? true;
  const set = new ServiceSet(config(services), { clock, driver });
  driver.events = set;
  set.boot();
  driver.take();
  const row = (n: string) => set.status([n])[0]!;
  const state = (n: string) => row(n).state;
  return { clock, driver, set, row, state };
}
