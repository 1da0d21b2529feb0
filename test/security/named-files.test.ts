// Files a config names (env-file, log.file) are opened non-blocking, must be
// regular files and are read up to a bound: a device never ends, a FIFO with
// no writer blocks open() for good (a synchronous read froze PID 1 on
// `dinit reload`; four FIFO log files held libuv's whole thread pool).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTmpDir, runCli, startDinit, writeConfig } from '../helpers/dinit-process.js';
import { RotatingFile } from '../../src/log/index.js';
import { MAX_NAMED_FILE_BYTES, readRegularFileSync } from '../../src/os/regular-file.js';

function fifo(dir: string, name: string): string {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
}

const cases: [string, (dir: string) => string, RegExp][] = [
  ['a character device (/dev/zero: an EOF that never comes)', () => '/dev/zero', /character device, not a regular file/],
  ['a FIFO with no writer (open() would block for good)', (dir) => fifo(dir, 'env.fifo'), /FIFO \(named pipe\), not a regular file/],
  ['a file over the 1 MiB bound', (dir) => (writeFileSync(join(dir, 'big.env'), `A=${'x'.repeat(MAX_NAMED_FILE_BYTES)}\n`), join(dir, 'big.env')), /larger than 1 MiB/],
  ['a directory', (dir) => dir, /directory/],
];

for (const [what, make, why] of cases) {
  test(`dinit check refuses an env-file that is ${what}, located, with exit 2`, async () => {
    const dir = makeTmpDir('dinit-named-');
    const envFile = make(dir);
    const cfg = writeConfig(dir, `env-file: ${envFile}\nservices:\n  a: { command: [sleep, "100"] }\n`);
    const r = await runCli(['check', '-c', cfg], { timeoutMs: 20_000 });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, new RegExp(`dinit\\.yaml:1:\\d+.*env-file ${envFile.replace(/[/.]/g, '\\$&')}: .*${why.source}`));
    assert.doesNotMatch(r.stdout + r.stderr, /internal error|\n\s+at /);
  });
}

test('a reload naming a FIFO env-file is refused and the supervisor keeps answering', async (t) => {
  const dir = makeTmpDir('dinit-named-');
  const cfg = writeConfig(dir, 'services:\n  a: { command: [sleep, "100"] }\n');
  const d = await startDinit({ config: cfg, dir, t });
  await d.waitForLine(/a started/, { timeoutMs: 15_000 });
  writeConfig(dir, `env-file: ${fifo(dir, 'env.fifo')}\nservices:\n  a: { command: [sleep, "100"] }\n`);
  const r = await d.cli(['reload'], 15_000);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /FIFO/);
  const s = await d.cli(['status'], 15_000);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /a\s+started/);
});

test('readRegularFileSync reads a regular file whole', () => {
  const dir = makeTmpDir('dinit-named-');
  writeFileSync(join(dir, 'ok.env'), 'A=1\n');
  assert.equal(readRegularFileSync(join(dir, 'ok.env')), 'A=1\n');
});

test('a file over its bound is refused with both sizes in a sentence: the bound, and what the file holds', () => {
  const dir = makeTmpDir('dinit-named-');
  const cases: [number, number, string][] = [
    [4096, 5000, 'it is larger than 4 KiB (4.9 KiB), the most dinit reads'],
    [MAX_NAMED_FILE_BYTES, 2 * MAX_NAMED_FILE_BYTES, 'it is larger than 1 MiB (2 MiB), the most dinit reads'],
    [100, 300, 'it is larger than 100 bytes (300 bytes), the most dinit reads'],
  ];
  for (const [bound, size, message] of cases) {
    const file = join(dir, `f-${size}`);
    writeFileSync(file, 'x'.repeat(size));
    assert.throws(() => readRegularFileSync(file, bound), { code: 'EFBIG', message });
  }
});

test('log files that are FIFOs are refused once each and never hold up a healthy log file', async () => {
  const dir = makeTmpDir('dinit-named-');
  const errors: string[] = [];
  // More FIFOs than libuv has pool threads (4): a blocking open() on each would starve every other file op.
  const bad = Array.from({ length: 6 }, (_, i) => new RotatingFile({ path: fifo(dir, `s${i}.log`), maxSize: 0, keep: 0, onError: (m) => errors.push(m) }));
  for (const f of bad) f.write('lost');
  const good = new RotatingFile({ path: join(dir, 'good.log'), maxSize: 0, keep: 0, onError: (m) => errors.push(m) });
  good.write('kept');
  const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('a healthy log file waited behind FIFO opens')), 10_000).unref());
  await Promise.race([good.flush(), deadline]);
  assert.equal(readFileSync(join(dir, 'good.log'), 'utf8'), 'kept\n');
  await Promise.race([Promise.all(bad.map((f) => f.flush())), deadline]);
  assert.equal(errors.length, bad.length, errors.join('\n'));
  for (const e of errors) assert.match(e, /cannot write log file .*s\d\.log \(it is a FIFO \(named pipe\), not a regular file\); keeping console output only/);
});
