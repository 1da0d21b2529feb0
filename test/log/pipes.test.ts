// The hub and real pipes: output a service left in its pipe is not lost at
// close(), and busy pipes (a full read, a write that does not fit) are given
// a bigger kernel buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { LogHub } from '../../src/log/index.js';
import { BUSY_PIPE_BYTES } from '../../src/os/pipe-fds.js';
import { libc } from '../../src/os/libc.js';
import { capture, spec, within } from './helpers.js';

const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;
const DEFAULT_PIPE = 64 * 1024;

function pipeOf(size: number): [number, number] {
  const fds = libc().pipe();
  assert.ok(fds, 'pipe2');
  assert.equal(libc().fcntlSet(fds[0], F_SETPIPE_SZ, size), size);
  return fds;
}

const pipeSize = (fd: number): number => libc().fcntlGet(fd, F_GETPIPE_SZ);

function quietHub() {
  const out = capture();
  const h = new LogHub({ stdout: out.stream, stderr: out.stream, format: 'text', timestamps: false, color: false });
  return { h, out };
}

test('close() still reads what a service wrote before it ended, then prints it', async () => {
  const { h, out } = quietHub();
  h.addService('late', spec());
  const src = new PassThrough();
  void h.attach('late', src, null);
  src.write('first\n');
  // The rest arrives after close() was called, as output left in a pipe does.
  setTimeout(() => src.end('second\nthird'), 50);
  await h.close(5000);
  assert.equal(out.text(), 'late | first\nlate | second\nlate | third\n');
});

test('close() does not wait out its timeout for a stream that stays open and silent', async () => {
  const { h } = quietHub();
  h.addService('held', spec());
  const src = new PassThrough(); // never ended: a grandchild holding the pipe
  void h.attach('held', src, null);
  src.write('x\n');
  await within(h.close(20_000), 5000, 'close() to give up on a silent stream');
  src.destroy();
});

test('a service pipe found full is given a bigger buffer, and every line still arrives', async () => {
  const { h, out } = quietHub();
  h.addService('busy', spec());
  const [r, w] = pipeOf(DEFAULT_PIPE);
  // Exactly one full pipe of lines before we read: the first read is a full one.
  const lines = Array.from({ length: DEFAULT_PIPE / 64 }, (_, i) => String(i).padStart(63, '.'));
  writeSync(w, Buffer.from(lines.map((l) => l + '\n').join('')));
  const sock = new Socket({ fd: r, readable: true, writable: false });
  const done = h.attach('busy', sock, null);
  await out.waitFor((t) => t.includes('busy | '));
  // (Asked of the write end: the hub may read the pipe through a descriptor of its own.)
  assert.ok(pipeSize(w) >= BUSY_PIPE_BYTES, `pipe grown after the first full read (${pipeSize(w)} bytes)`);
  closeSync(w);
  await within(done, 5000, 'the pipe to end');
  await h.flush();
  assert.equal(out.text(), lines.map((l) => `busy | ${l}\n`).join(''));
});

test("dinit's own stdout pipe is given a bigger buffer once a write does not fit", async () => {
  const [r, w] = pipeOf(DEFAULT_PIPE);
  const h = new LogHub({ stdout: w, stderr: w, format: 'text', timestamps: false, color: false });
  h.addService('s', spec());
  const text = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(6, '0')} ${'y'.repeat(90)}\n`).join(''); // ~290 KiB
  const src = new PassThrough();
  const done = h.attach('s', src, null);
  src.end(text);
  await within(done, 5000, 'attach');
  // Nobody has read yet: the write could not fit in 64 KiB.
  const reader = new Socket({ fd: r, readable: true, writable: false });
  let got = '';
  const expected = text.replace(/^/gm, 's | ').slice(0, -'s | '.length);
  const all = new Promise<void>((resolve) => {
    reader.on('data', (c: Buffer) => {
      got += c.toString();
      if (got.length >= expected.length) resolve();
    });
  });
  await within(all, 5000, 'all lines through the pipe');
  assert.ok(pipeSize(r) >= BUSY_PIPE_BYTES, `pipe grown (${pipeSize(r)} bytes)`);
  assert.equal(got, expected);
  await h.close();
  closeSync(w);
  reader.destroy();
});

test('a service printing thousands of lines one write at a time gets every line through, whole and in order', async () => {
  const { h, out } = quietHub();
  h.addService('chatty', spec());
  // The shell's echo is one write(2) per line: a flood in small pieces.
  const child = spawn('sh', ['-c', 'i=0; while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); done'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await within(h.attach('chatty', child.stdout, child.stderr), 20_000, 'the output to end');
  await h.flush();
  assert.equal(out.text(), Array.from({ length: 3000 }, (_, i) => `chatty | line ${i}\n`).join(''));
});
