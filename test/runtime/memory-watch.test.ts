import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryWatch, type Watched } from '../../src/runtime/memory-watch.js';
import type { ResourceFigures } from '../../src/types.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { svc } from '../helpers/service-config.js';

const MiB = 1048576;
const fig = (rssBytes: number): ResourceFigures => ({ rssBytes, cpuSeconds: 0, cpuPercent: 0, processes: 1 });

test('max-memory: each service is checked on its own interval, one sample per tick, and reported only when over its limit', () => {
  const clock = new FakeClock();
  const rss = new Map<number, number>([
    [10, 50 * MiB],
    [20, 50 * MiB],
  ]);
  const watched: Watched[] = [
    { name: 'a', pid: 10, limit: 100 * MiB, interval: 1000 },
    { name: 'b', pid: 20, limit: 100 * MiB, interval: 3000 },
  ];
  const samples: number[][] = [];
  const over: string[] = [];
  const w = new MemoryWatch(clock, {
    watched: () => watched,
    sample: (pids) => {
      samples.push(pids);
      return new Map(pids.map((p) => [p, fig(rss.get(p) ?? 0)]));
    },
    over: (name, bytes, limit) => over.push(`${name} ${bytes / MiB}/${limit / MiB}`),
  });
  w.configure([svc('a', { maxMemory: { limit: 100 * MiB, interval: 1000 } }), svc('b', { maxMemory: { limit: 100 * MiB, interval: 3000 } }), svc('c')]);
  clock.advance(1000);
  assert.deepEqual(samples, [[10, 20]]); // both seen for the first time
  clock.advance(1000);
  clock.advance(1000);
  assert.deepEqual(samples.slice(1), [[10], [10]]);
  rss.set(20, 150 * MiB);
  clock.advance(1000); // t=4000: b is due again (last checked at 1000)
  assert.deepEqual(samples.at(-1), [10, 20]);
  assert.deepEqual(over, ['b 150/100']);
  // No service with max-memory: no timer at all.
  w.configure([svc('c')]);
  assert.equal(clock.pending(), 0);
});
