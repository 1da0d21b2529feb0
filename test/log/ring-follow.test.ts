import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { LineRing, LogHub } from '../../src/log/index.js';
import type { RingEntry } from '../../src/log/index.js';
import type { LogLine } from '../../src/control/target.js';
import { prng } from '../helpers/prng.js';
import { capture, spec, within } from './helpers.js';

function hub() {
  const out = capture();
  let t = 1000;
  const h = new LogHub({ stdout: out.stream, stderr: out.stream, format: 'text', timestamps: false, color: false, now: () => t++ });
  return { h, out };
}

/** Attach live streams to a service; write to them at will. */
function live(h: LogHub, name: string) {
  const o = new PassThrough();
  const e = new PassThrough();
  const done = h.attach(name, o, e);
  return {
    out: (s: string) => o.write(s),
    err: (s: string) => e.write(s),
    end: async () => {
      o.end();
      e.end();
      await within(done, 2000, 'attach to resolve');
    },
  };
}

const text = (ls: LogLine[]): string[] => ls.map((l) => `${l.service}/${l.stream}: ${l.line}`);

test('tail returns the last n lines across services in the order they arrived', async () => {
  const { h } = hub();
  h.addService('a', spec());
  h.addService('b', spec());
  const a = live(h, 'a');
  const b = live(h, 'b');
  a.out('a1\n');
  b.err('b1\n');
  a.out('a2\n');
  h.dinit('event');
  b.out('b2\n');
  await a.end();
  await b.end();
  assert.deepEqual(text(h.tail([], 10)), ['a/stdout: a1', 'b/stderr: b1', 'a/stdout: a2', 'dinit/dinit: event', 'b/stdout: b2']);
  assert.deepEqual(text(h.tail([], 2)), ['dinit/dinit: event', 'b/stdout: b2']);
  assert.deepEqual(text(h.tail(['a'], 10)), ['a/stdout: a1', 'a/stdout: a2']);
  assert.deepEqual(text(h.tail(['b', 'a'], 3)), ['b/stderr: b1', 'a/stdout: a2', 'b/stdout: b2']);
  assert.ok(
    h.tail(['a'], 10).every((l, i, all) => i === 0 || l.time >= all[i - 1]!.time),
    'times are non-decreasing',
  );
});

test('a service keeps only its last log.buffer lines, and a reload can resize the buffer', async () => {
  const { h } = hub();
  h.addService('s', spec({ buffer: 3 }));
  const s = live(h, 's');
  s.out('1\n2\n3\n4\n5\n');
  await s.end();
  assert.deepEqual(
    h.tail(['s'], 100).map((l) => l.line),
    ['3', '4', '5'],
  );
  h.addService('s', spec({ buffer: 2 }));
  assert.deepEqual(
    h.tail(['s'], 100).map((l) => l.line),
    ['4', '5'],
  );
  h.addService('t', spec({ buffer: 0 }));
  const t = live(h, 't');
  t.out('x\n');
  await t.end();
  assert.deepEqual(h.tail(['t'], 10), [], 'buffer: 0 keeps nothing');
});

test('followers get every new line of the services they follow, until they unsubscribe', async () => {
  const { h } = hub();
  h.addService('a', spec());
  h.addService('b', spec());
  const onlyA: LogLine[] = [];
  const everything: LogLine[] = [];
  const stopA = h.follow(['a'], (l) => onlyA.push(l));
  h.follow([], (l) => everything.push(l));
  const a = live(h, 'a');
  const b = live(h, 'b');
  a.out('a1\n');
  b.out('b1\n');
  await a.end();
  stopA();
  const a2 = live(h, 'a');
  a2.out('a2\n');
  await a2.end();
  h.dinit('note');
  await b.end();
  assert.deepEqual(text(onlyA), ['a/stdout: a1']);
  assert.deepEqual(text(everything), ['a/stdout: a1', 'b/stdout: b1', 'a/stdout: a2', 'dinit/dinit: note']);
});

test('line probes see every stdout and stderr line of their service, and a throwing one stops nothing', async () => {
  const { h, out } = hub();
  h.addService('db', spec());
  const seen: string[] = [];
  const off = h.onLine('db', (l) => seen.push(l));
  h.onLine('db', () => {
    throw new Error('buggy probe');
  });
  const db = live(h, 'db');
  db.out('starting\n');
  db.err('warning\n');
  db.out('ready to accept connections\n');
  await db.end();
  off();
  const db2 = live(h, 'db');
  db2.out('after unsubscribe\n');
  await db2.end();
  assert.deepEqual(seen, ['starting', 'warning', 'ready to accept connections']);
  await h.flush();
  assert.match(out.text(), /db \| after unsubscribe\n$/);
});

test('a removed service is forgotten by tail but its late output is still printed', async () => {
  const { h, out } = hub();
  h.addService('gone', spec());
  const g = live(h, 'gone');
  g.out('before\n');
  await new Promise<void>((resolve) => setImmediate(resolve));
  h.removeService('gone');
  g.out('after\n');
  await g.end();
  await h.flush();
  assert.deepEqual(h.tail(['gone'], 10), []);
  assert.match(out.text(), /before\n.*after\n/s);
});

test('a ring buffer is bounded by bytes as well as by count', () => {
  const one = (seq: number, line: string): RingEntry => ({ seq, n: 1, time: 0, service: 's', stream: 'stdout', bytes: null, line });
  // Each entry costs its text plus a fixed overhead of 64: room for two 4-byte lines.
  const r = new LineRing(100, 2 * 68);
  ['aaaa', 'bbbb', 'cccc'].forEach((l, i) => r.push(one(i + 1, l)));
  assert.deepEqual(
    r.last().map((x) => x.l.line),
    ['bbbb', 'cccc'],
  );
  r.push(one(4, 'x'.repeat(500)));
  assert.deepEqual(
    r.last().map((x) => x.l.line),
    ['x'.repeat(500)],
    'a single oversized item still fits alone',
  );
});

test('a ring keeps blocks of raw lines and splits them only when read, trimming to its line count', () => {
  const block = (seq: number, text: string): RingEntry => {
    const bytes = Buffer.from(text);
    let n = 0;
    for (const c of bytes) if (c === 10) n++;
    return { seq, n, time: seq, service: 's', stream: 'stdout', bytes, line: '' };
  };
  const r = new LineRing(4, 1 << 20);
  r.push(block(1, 'a\r\nb\n'));
  r.push(block(3, 'c\nd\ne\n'));
  assert.equal(r.length, 4);
  assert.deepEqual(
    r.last().map((x) => [x.seq, x.l.line]),
    [
      [2, 'b'],
      [3, 'c'],
      [4, 'd'],
      [5, 'e'],
    ],
    'the oldest line is cut out of its block; CRLF loses its CR; seqs count through a block',
  );
  assert.deepEqual(
    r.last(2).map((x) => x.l.line),
    ['d', 'e'],
  );
  r.resize(2);
  assert.deepEqual(
    r.last().map((x) => x.l.line),
    ['d', 'e'],
  );
  r.resize(10);
  assert.deepEqual(
    r.last().map((x) => x.l.line),
    ['d', 'e'],
    'growing does not bring trimmed lines back',
  );
  r.push(block(6, 'f\n'));
  assert.deepEqual(
    r.last().map((x) => x.l.line),
    ['d', 'e', 'f'],
  );
});

test('a ring holds exactly the last lines a simple list would, through wrap-around, growth, resizes and mixed entries', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const rand = prng(seed);
    let capacity = 1 + Math.floor(rand() * 300);
    const maxBytes = 1 << 20; // never the binding bound here: the count is
    const r = new LineRing(capacity, maxBytes);
    let model: { seq: number; line: string }[] = [];
    let seq = 0;
    for (let step = 0; step < 400; step++) {
      const roll = rand();
      if (roll < 0.05) {
        capacity = Math.floor(rand() * 300);
        r.resize(capacity);
        model = capacity > 0 ? model.slice(-capacity) : [];
      } else if (roll < 0.2) {
        const line = `text ${step}`;
        r.push({ seq: ++seq, n: 1, time: 0, service: 's', stream: 'dinit', bytes: null, line });
        if (capacity > 0) model.push({ seq, line });
      } else {
        const n = 1 + Math.floor(rand() * (rand() < 0.1 ? 900 : 40));
        const lines = Array.from({ length: n }, (_, i) => `b${step}.${i} ${'x'.repeat(Math.floor(rand() * 50))}`);
        const first = seq + 1;
        // The block lives in a buffer that is reused afterwards: the ring must have copied it.
        const bytes = Buffer.from(lines.join('\n') + '\n');
        r.push({ seq: first, n, time: 0, service: 's', stream: 'stdout', bytes, line: '' });
        bytes.fill(0x3f);
        seq += n;
        if (capacity > 0) model.push(...lines.map((line, i) => ({ seq: first + i, line })));
      }
      model = capacity > 0 ? model.slice(-capacity) : [];
      const k = 1 + Math.floor(rand() * (capacity + 5));
      const got = r.last(k).map((x) => ({ seq: x.seq, line: x.l.line }));
      assert.deepEqual(got, model.slice(-k), `seed ${seed}, step ${step}`);
      assert.equal(r.length, model.length);
    }
  }
});

test('blocks are bounded by bytes too: the newest lines that fit are kept, a block larger than the bound keeps its last lines', () => {
  const block = (seq: number, lines: string[]): RingEntry => ({ seq, n: lines.length, time: 0, service: 's', stream: 'stdout', bytes: Buffer.from(lines.map((l) => l + '\n').join('')), line: '' });
  const r = new LineRing(1000, 1000);
  const lines = Array.from({ length: 30 }, (_, i) => `${String(i).padStart(2, '0')} ${'y'.repeat(96)}`); // 100 bytes each with \n
  r.push(block(1, lines.slice(0, 6)));
  r.push(block(7, lines.slice(6, 12)));
  const kept = r.last().map((x) => x.l.line);
  assert.ok(kept.length <= 10, `within 1000 bytes (${kept.length} lines kept)`);
  assert.deepEqual(kept, lines.slice(12 - kept.length, 12), 'the newest lines, in order');
  r.push(block(13, lines.slice(12, 30)));
  assert.deepEqual(
    r.last().map((x) => [x.seq, x.l.line]),
    lines.slice(20).map((l, i) => [21 + i, l]),
    'an 1800-byte block keeps its last 1000 bytes of lines',
  );
});

test("dinit's event lines about a service are kept in its buffer between its output lines, once in a merged tail, and reach its followers", async () => {
  const { h } = hub();
  h.addService('web', spec());
  h.addService('db', spec());
  const web = live(h, 'web');
  const got: LogLine[] = [];
  const stop = h.follow(['web'], (l) => got.push(l));
  h.dinit('web started (pid 42)', 'web');
  web.out('listening\n');
  await web.end();
  h.dinit('db started (pid 43)', 'db');
  h.dinit('web killed by SIGKILL', 'web');
  h.dinit('all started');
  stop();
  assert.deepEqual(text(h.tail(['web'], 10)), ['dinit/dinit: web started (pid 42)', 'web/stdout: listening', 'dinit/dinit: web killed by SIGKILL']);
  assert.deepEqual(text(h.tail([], 10)), ['dinit/dinit: web started (pid 42)', 'web/stdout: listening', 'dinit/dinit: db started (pid 43)', 'dinit/dinit: web killed by SIGKILL', 'dinit/dinit: all started']);
  assert.deepEqual(text(got), ['dinit/dinit: web started (pid 42)', 'web/stdout: listening', 'dinit/dinit: web killed by SIGKILL']);
  assert.ok(
    h.tail(['web'], 10).every((l) => l.time >= 1000),
    'every line has the time it arrived',
  );
});
