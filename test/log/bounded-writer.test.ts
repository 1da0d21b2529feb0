import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedWriter } from '../../src/log/bounded-writer.js';
import type { Sink } from '../../src/log/sink.js';

/** A sink that holds every write until the test releases it: a reader that stopped. */
function heldSink() {
  const held: { data: Buffer; done: (err: Error | null) => void }[] = [];
  const written: string[] = [];
  const sink: Sink = {
    kind: 'stream',
    write(parts, done) {
      held.push({ data: Buffer.concat(parts), done });
    },
    close() {},
  };
  return {
    sink,
    written,
    /** Complete every held write (and those that follow) until nothing is pending. */
    async releaseAll(): Promise<void> {
      for (;;) {
        const w = held.shift();
        if (!w) {
          // Give the writer a microtask turn to issue its next write.
          await new Promise<void>((r) => setImmediate(r));
          if (held.length === 0) return;
          continue;
        }
        written.push(w.data.toString());
        w.done(null);
      }
    },
    fail(): void {
      for (const w of held.splice(0)) w.done(new Error('EPIPE'));
    },
    get pending() {
      return held.length;
    },
  };
}

test('when the destination stops, the queue stays within its limit and excess lines are dropped and counted', async () => {
  const s = heldSink();
  const reported: Map<string, number>[] = [];
  const w = new BoundedWriter(s.sink, { maxBytes: 100, reserveBytes: 20, now: () => 0, onDrops: (d) => reported.push(d) });
  let accepted = 0;
  for (let i = 0; i < 50; i++) if (w.push('svc', `line ${String(i).padStart(4, '0')}\n`) === 0) accepted++;
  assert.ok(w.peakBytes <= 100, 'queue never exceeds maxBytes');
  assert.equal(accepted, 10, '10 lines of 10 bytes fit');
  assert.equal(w.push('dinit', 'priority\n', true), 0, "dinit's own lines use the reserve");
  assert.deepEqual(reported, [], 'nothing reported while output is stuck');
  await s.releaseAll();
  assert.deepEqual(reported, [new Map([['svc', 40]])], 'drops reported once output flows');
  const text = s.written.join('');
  assert.equal(text, Array.from({ length: 10 }, (_, i) => `line ${String(i).padStart(4, '0')}\n`).join('') + 'priority\n');
});

test('lines queued in one burst go out in a single write, whole', async () => {
  const s = heldSink();
  const w = new BoundedWriter(s.sink, { maxBytes: 1 << 20, reserveBytes: 0, now: () => 0, onDrops: () => {} });
  for (let i = 0; i < 100; i++) w.push('svc', `l${i}\n`);
  await new Promise<void>((r) => setImmediate(r));
  assert.equal(s.pending, 1);
  await s.releaseAll();
  assert.equal(s.written.length, 1);
  await w.idle();
});

test('a destination that fails (EPIPE) is given up quietly and idle() still resolves', async () => {
  const s = heldSink();
  const w = new BoundedWriter(s.sink, { maxBytes: 1000, reserveBytes: 0, now: () => 0, onDrops: () => {} });
  w.push('svc', 'a\n');
  await new Promise<void>((r) => setImmediate(r));
  const idle = w.idle();
  s.fail();
  await idle;
  assert.equal(w.push('svc', 'b\n'), 1, 'a dead writer drops (and counts) every line');
});

test('of a multi-line buffer that does not fit, the whole lines that do are queued and the rest counted as dropped', async () => {
  const s = heldSink();
  const reported: Map<string, number>[] = [];
  const w = new BoundedWriter(s.sink, { maxBytes: 25, reserveBytes: 0, now: () => 0, onDrops: (d) => reported.push(d) });
  // Five 10-byte lines; 25 bytes of room: two whole lines fit, never half of the third.
  const block = Buffer.from(Array.from({ length: 5 }, (_, i) => `block ${i}..\n`).join(''));
  assert.equal(w.push('svc', block), 3);
  assert.equal(w.push('svc', 'later....\n'), 1, 'a later line that does not fit is dropped too');
  await s.releaseAll();
  assert.equal(s.written.join(''), 'block 0..\nblock 1..\n');
  assert.deepEqual(reported, [new Map([['svc', 4]])]);
});
