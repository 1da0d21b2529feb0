import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { LogHub, RotatingFile } from '../../src/log/index.js';
import { capture, spec, within } from './helpers.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'dinit-rot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const line = (i: number): string => `line ${String(i).padStart(4, '0')} ` + 'x'.repeat(89); // 99 chars + \n = 100 bytes

test('a log file rotates by size: file, file.1 … file.KEEP, none over max-size, oldest dropped', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'nested', 'deeper', 'web.log');
  const errors: string[] = [];
  const f = new RotatingFile({ path, maxSize: 1000, keep: 3, onError: (m) => errors.push(m) });
  const total = 75; // 7500 bytes > max-size × (keep + 1)
  for (let i = 0; i < total; i++) f.write(line(i));
  await f.close();
  assert.deepEqual(errors, []);
  const files = [path, `${path}.1`, `${path}.2`, `${path}.3`];
  for (const p of files) assert.ok(statSync(p).size <= 1000, `${p} is within max-size`);
  assert.ok(!existsSync(`${path}.4`), 'no more than keep rotated files');
  assert.equal(statSync(`${path}.1`).size, 1000, 'rotated files are filled up to max-size');
  // Oldest first: .3, .2, .1, current — the tail of what was written, in order.
  const kept = [...files]
    .reverse()
    .map((p) => readFileSync(p, 'utf8'))
    .join('');
  const expected = Array.from({ length: total }, (_, i) => line(i) + '\n').join('');
  assert.ok(expected.endsWith(kept), 'kept files hold the most recent lines, in order');
  assert.equal(kept.length, 3500, 'current file has the last 5 lines, each rotated one 10');
});

test('an existing log file is appended to and its size counts toward rotation', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'app.log');
  writeFileSync(path, 'x'.repeat(950) + '\n');
  const f = new RotatingFile({ path, maxSize: 1000, keep: 1, onError: () => {} });
  f.write(line(1));
  await f.close();
  assert.equal(readFileSync(`${path}.1`, 'utf8'), 'x'.repeat(950) + '\n', 'the old content was rotated out whole');
  assert.equal(readFileSync(path, 'utf8'), line(1) + '\n');
});

test('keep: 0 starts the file over instead of keeping rotated copies', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'k0.log');
  const f = new RotatingFile({ path, maxSize: 250, keep: 0, onError: () => {} });
  for (let i = 0; i < 5; i++) f.write(line(i));
  await f.close();
  assert.equal(readFileSync(path, 'utf8'), line(4) + '\n');
  assert.ok(!existsSync(`${path}.1`));
});

test('max-size 0 never rotates', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'big.log');
  const f = new RotatingFile({ path, maxSize: 0, keep: 3, onError: () => {} });
  for (let i = 0; i < 50; i++) f.write(line(i));
  await f.close();
  assert.equal(statSync(path).size, 5000);
});

test('a failing write (the file size limit here, as a full disk would) is reported once and the file is given up', (t) => {
  // A regular file that stops taking bytes: RLIMIT_FSIZE makes write() fail with EFBIG (Node ignores SIGXFSZ).
  const dir = tmp(t);
  const script = `
    import { RotatingFile } from ${JSON.stringify(new URL('../../src/log/index.js', import.meta.url).href)};
    const errors = [];
    const f = new RotatingFile({ path: process.argv[1], maxSize: 0, keep: 0, onError: (m) => errors.push(m) });
    for (let i = 0; i < 20; i++) f.write('x'.repeat(99));
    await f.flush();
    f.write('later');
    await f.close();
    process.stdout.write(JSON.stringify(errors));`;
  const r = spawnSync('prlimit', ['--fsize=1000', process.execPath, '--input-type=module', '-e', script, join(dir, 'full.log')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const errors = JSON.parse(r.stdout) as string[];
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /cannot write log file .*full\.log \(EFBIG.*\); keeping console output only/);
});

test('a log file path that is a device (/dev/full) is refused once, not written', async () => {
  const errors: string[] = [];
  const f = new RotatingFile({ path: '/dev/full', maxSize: 0, keep: 0, onError: (m) => errors.push(m) });
  for (let i = 0; i < 20; i++) f.write(line(i));
  await f.flush();
  f.write('later');
  await f.close();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /cannot write log file \/dev\/full \(it is a character device, not a regular file\); keeping console output only/);
});

test("an unwritable log file is reported once through dinit's messages and console output continues", async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'not-a-dir'), '');
  const out = capture();
  const h = new LogHub({ stdout: out.stream, stderr: out.stream, format: 'text', timestamps: false, color: false });
  h.addService('web', spec({ file: join(dir, 'not-a-dir', 'web.log'), maxSize: 1000, keep: 2 }));
  const src = new PassThrough();
  const done = h.attach('web', src, null);
  for (let i = 0; i < 5; i++) src.write(`hello ${i}\n`);
  await out.waitFor((s) => s.includes('[dinit]'));
  for (let i = 5; i < 10; i++) src.write(`hello ${i}\n`);
  src.end();
  await within(done, 2000, 'attach');
  await h.close();
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('web | hello')).length, 10, 'every line reached the console');
  const notes = lines.filter((l) => l.startsWith('[dinit]'));
  assert.equal(notes.length, 1, 'reported once');
  assert.match(notes[0]!, /^\[dinit\] web: cannot write log file .*not-a-dir\/web\.log \(E[A-Z]+: .*\); keeping console output only$/);
});

test('the hub writes each service line to its file, time-stamped when timestamps are on', async (t) => {
  const dir = tmp(t);
  const out = capture();
  const h = new LogHub({ stdout: out.stream, stderr: out.stream, format: 'text', timestamps: true, color: false, now: () => 0 });
  const path = join(dir, 'svc.log');
  h.addService('svc', spec({ file: path }));
  const o = new PassThrough();
  const e = new PassThrough();
  const done = h.attach('svc', o, e);
  o.end('out line\n');
  e.end('err line\n');
  await within(done, 2000, 'attach');
  await h.close();
  const content = readFileSync(path, 'utf8').split('\n').sort();
  assert.deepEqual(content, ['', '1970-01-01T00:00:00.000Z err line', '1970-01-01T00:00:00.000Z out line']);
});

test('a block of lines is cut between lines where the file rotates', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'block.log');
  const f = new RotatingFile({ path, maxSize: 1000, keep: 5, onError: () => {} });
  // 25 lines of 100 bytes in 3 blocks: rotations fall inside blocks.
  const lines = Array.from({ length: 25 }, (_, i) => line(i) + '\n');
  f.writeLines(Buffer.from(lines.slice(0, 7).join('')));
  f.writeLines(Buffer.from(lines.slice(7, 22).join('')));
  f.writeLines(Buffer.from(lines.slice(22).join('')));
  await f.close();
  const files = [`${path}.2`, `${path}.1`, path];
  for (const p of files) assert.ok(statSync(p).size <= 1000, `${p} is within max-size`);
  assert.equal(statSync(`${path}.2`).size, 1000, 'filled up to max-size, whole lines only');
  assert.equal(files.map((p) => readFileSync(p, 'utf8')).join(''), lines.join(''), 'every line, in order, none split');
});
