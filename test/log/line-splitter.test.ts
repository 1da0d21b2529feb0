import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { forEachLine, LineFramer, LineSplitter, MAX_LINE_BYTES, readInto, utf8Boundary } from '../../src/log/line-splitter.js';

function split(chunks: (Buffer | string)[], max?: number, end = true): string[] {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l), max);
  for (const c of chunks) s.push(c);
  if (end) s.end();
  return lines;
}

test('a line split across chunks comes out whole', () => {
  assert.deepEqual(split(['hel', 'lo\nwor', 'ld\n']), ['hello', 'world']);
});

test('many lines in one chunk come out one by one, empty lines included', () => {
  assert.deepEqual(split(['a\n\nb\nc\n']), ['a', '', 'b', 'c']);
});

test('CRLF line endings lose their CR, even when the CR and LF arrive in different chunks', () => {
  assert.deepEqual(split(['one\r\ntwo\r', '\nthree\r\n']), ['one', 'two', 'three']);
});

test('a CR inside a line is kept', () => {
  assert.deepEqual(split(['50%\r100%\n']), ['50%\r100%']);
});

test('a partial last line is held until the stream ends, then flushed', () => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  s.push('first\nsecond without newline');
  assert.deepEqual(lines, ['first']);
  s.end();
  assert.deepEqual(lines, ['first', 'second without newline']);
});

test('ending a stream that ended with a newline adds no empty line', () => {
  assert.deepEqual(split(['x\n']), ['x']);
});

test('an overlong line without newline is emitted in chunks instead of buffered forever', () => {
  const lines = split(['a'.repeat(10), 'b'.repeat(15)], 8, false);
  // 25 bytes, max 8: three whole chunks go out at once, one byte waits for more.
  assert.deepEqual(lines, ['aaaaaaaa', 'aabbbbbb', 'bbbbbbbb']);
});

test('the default limit is 64 KiB and chunks never exceed it', () => {
  const big = Buffer.alloc(MAX_LINE_BYTES * 2 + 100, 'z');
  const lines = split([big.subarray(0, 1000), big.subarray(1000), '\n']);
  assert.deepEqual(
    lines.map((l) => l.length),
    [MAX_LINE_BYTES, MAX_LINE_BYTES, 100],
  );
});

test('a long line that gets its newline within one chunk is split too', () => {
  assert.deepEqual(split(['abcdefghij\n'], 4), ['abcd', 'efgh', 'ij']);
});

test('a multi-byte character cut by a chunk boundary is decoded whole', () => {
  const euro = Buffer.from('€\n', 'utf8'); // e2 82 ac 0a
  assert.deepEqual(split([euro.subarray(0, 1), euro.subarray(1, 2), euro.subarray(2)]), ['€']);
});

test('overlong lines are cut on character boundaries, never inside a character', () => {
  const s = '€'.repeat(5); // 15 bytes
  const lines = split([s + '\n'], 7);
  assert.deepEqual(lines, ['€€', '€€', '€']);
  assert.equal(utf8Boundary(Buffer.from(s), 7), 6);
});

test('invalid UTF-8 is tolerated and shows as replacement characters', () => {
  const lines = split([Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a, 0xc3])]);
  assert.deepEqual(lines, ['a\ufffd\ufffdb', '\ufffd']);
});

/** Feed chunks to a LineFramer; what it hands on, as text ("L:" blocks, "P:" pieces). */
function frames(chunks: Buffer[], max?: number): { out: string[]; blocks: Buffer[] } {
  const out: string[] = [];
  const blocks: Buffer[] = [];
  const f = new LineFramer(
    {
      lines: (b) => {
        blocks.push(b);
        out.push('L:' + b.toString());
      },
      piece: (b) => out.push('P:' + b.toString()),
    },
    max,
  );
  for (const c of chunks) f.push(c);
  f.end();
  return { out, blocks };
}

test("a framer hands on each chunk's whole lines as one block, a view of the chunk, not a copy", () => {
  const chunk = Buffer.from('a\nbb\r\nccc\n');
  const { out, blocks } = frames([chunk]);
  assert.deepEqual(out, ['L:a\nbb\r\nccc\n'], 'lines exactly as written, CR included');
  assert.equal(blocks[0]!.buffer, chunk.buffer, 'same memory as the chunk');
});

test('a framer completes a line split across chunks as a block of its own, then the rest of the chunk', () => {
  const { out } = frames([Buffer.from('one\ntw'), Buffer.from('o\nthree\nfo'), Buffer.from('ur')]);
  assert.deepEqual(out, ['L:one\n', 'L:two\n', 'L:three\n', 'L:four\n'], 'the partial last line ends as if it had its newline');
});

test('a framer hands on an overlong unterminated line in pieces, never a piece over the limit', () => {
  const { out } = frames([Buffer.from('abcdefghij'), Buffer.from('k\n')], 4);
  assert.deepEqual(out, ['P:abcd', 'P:efgh', 'L:ijk\n']);
});

test('forEachLine applies the line rules to a block: CRLF loses its CR, long lines are cut, bad UTF-8 is replaced', () => {
  const lines: string[] = [];
  const block = Buffer.concat([Buffer.from('a\r\n\r\nx\ry\r\nabcdefghij\n'), Buffer.from([0xff, 0x0a])]);
  forEachLine(block, (l) => lines.push(l), 4);
  assert.deepEqual(lines, ['a', '', 'x\ry', 'abcd', 'efgh', 'ij', '\ufffd']);
});

test('a target that asks to wait pauses the stream, which then resumes; chunks already buffered are not waited for', async () => {
  const src = new PassThrough();
  const got: string[] = [];
  const waits: number[] = [];
  let reached: (() => void) | null = null;
  const target = {
    push: (c: Buffer | string) => {
      got.push(c.toString());
      if (got.length === 10) reached?.();
    },
    end: () => got.push('END'),
    wait: (bytes: number) => {
      waits.push(bytes);
      return 5;
    },
  };
  const burst = new Promise<void>((resolve) => (reached = resolve));
  const done = readInto(src, target);
  for (let i = 0; i < 10; i++) src.write(`c${i}\n`);
  await burst;
  // The first write is taken in at once; the nine written meanwhile are
  // buffered, taken in together after the wait, and asked about once.
  assert.deepEqual(waits, [3, 3]);
  src.end('late\n');
  await done;
  assert.deepEqual(got, [...Array.from({ length: 10 }, (_, i) => `c${i}\n`), 'late\n', 'END']);
});

test('a framer copies what it keeps of a transient chunk (a read buffer that is reused after the call)', () => {
  const out: string[] = [];
  const f = new LineFramer({ lines: (b) => out.push(b.toString()), piece: (b) => out.push('P:' + b.toString()) });
  const reused = Buffer.alloc(16);
  const feed = (text: string): void => {
    const n = reused.write(text);
    f.push(reused.subarray(0, n), true);
    reused.fill(0x21); // the next read overwrites it
  };
  feed('one\ntw');
  feed('o\nthr');
  feed('ee');
  f.end();
  assert.deepEqual(out, ['one\n', 'two\n', 'three\n']);
});
