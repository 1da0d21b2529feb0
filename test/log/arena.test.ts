import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena } from '../../src/log/arena.js';
import { prng } from '../helpers/prng.js';

test('buffers taken from an arena never overlap one still in use, through wrap-around, partial use and abandonment', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const rand = prng(seed);
    const a = new Arena(4096);
    // In-use buffers in the order taken, each filled with its own byte.
    const live: { b: Buffer; mark: number }[] = [];
    let mark = 0;
    let taken = 0;
    for (let step = 0; step < 3000; step++) {
      if (rand() < 0.55) {
        const len = 1 + Math.floor(rand() * 1100);
        const b = a.take(len);
        if (!b) continue; // no room: the caller allocates
        taken++;
        assert.equal(b.length, len);
        mark = (mark % 250) + 1;
        b.fill(mark);
        const use = rand();
        if (use < 0.1)
          a.abandon(); // nothing of it was queued
        else live.push({ b: use < 0.3 ? b.subarray(0, 1 + Math.floor(rand() * len)) : b, mark });
      } else if (live.length > 0) {
        const { b, mark: m } = live.shift()!;
        assert.ok(
          b.every((x) => x === m),
          `seed ${seed}, step ${step}: a buffer in use was overwritten`,
        );
        a.release(b);
      }
    }
    for (const { b, mark: m } of live) assert.ok(b.every((x) => x === m));
    assert.ok(taken > 1000, `the arena kept serving (${taken} takes)`);
  }
});

test('an arena refuses what it cannot hold, and starts over once everything is given back', () => {
  const a = new Arena(4096);
  assert.equal(a.take(2000), null, 'more than a quarter of it');
  const first = a.take(1000)!;
  const second = a.take(1000)!;
  assert.ok(a.owns(first) && a.owns(second) && !a.owns(Buffer.alloc(10)));
  a.release(first);
  a.release(second);
  assert.equal(a.take(1000)!.byteOffset, first.byteOffset, 'empty again: from the start');
});
