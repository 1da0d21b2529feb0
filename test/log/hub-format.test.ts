import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { LogHub } from '../../src/log/index.js';
import type { LogHubOptions } from '../../src/log/index.js';
import { buildRoot, fixtureBin } from '../helpers/paths.js';
import { join } from 'node:path';
import { capture, spec, within } from './helpers.js';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 6);

function hub(over: Partial<LogHubOptions> = {}) {
  const out = capture();
  const err = capture();
  const h = new LogHub({ stdout: out.stream, stderr: err.stream, format: 'text', timestamps: false, color: false, now: () => T0, ...over });
  return { h, out, err };
}

/** Feed text into a service's stdout/stderr and wait until both ended. */
async function feed(h: LogHub, name: string, stdout: string, stderr = ''): Promise<void> {
  const o = new PassThrough();
  const e = new PassThrough();
  const done = h.attach(name, o, e);
  o.end(stdout);
  e.end(stderr);
  await within(done, 2000, 'attach to resolve');
}

test('prefixes are padded to the longest service name so columns align', async () => {
  const { h, out } = hub();
  h.addService('web', spec());
  h.addService('database', spec());
  await feed(h, 'web', 'hello\n');
  await feed(h, 'database', 'ready\n');
  await h.flush();
  assert.equal(out.text(), 'web      | hello\ndatabase | ready\n');
});

test('stderr lines go to dinit stderr with the same prefix', async () => {
  const { h, out, err } = hub();
  h.addService('web', spec());
  await feed(h, 'web', 'to out\n', 'to err\n');
  await h.flush();
  assert.equal(out.text(), 'web | to out\n');
  assert.equal(err.text(), 'web | to err\n');
});

test('log.prefix: false prints bare lines', async () => {
  const { h, out } = hub();
  h.addService('web', spec({ prefix: false }));
  await feed(h, 'web', 'raw line\n');
  await h.flush();
  assert.equal(out.text(), 'raw line\n');
});

test('a partial last line is printed when the stream ends', async () => {
  const { h, out } = hub();
  h.addService('p', spec());
  await feed(h, 'p', 'one\ntwo');
  await h.flush();
  assert.equal(out.text(), 'p | one\np | two\n');
});

test("a real process's partial last line is flushed when it exits, and attach resolves", async () => {
  const { h, out } = hub();
  h.addService('printer', spec());
  const child = spawn(process.execPath, [fixtureBin('print-lines.js'), '--every', '1', '--count', '3', '--text', 'hi', '--partial'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await within(h.attach('printer', child.stdout, child.stderr), 5000, 'the process output to end');
  await h.flush();
  assert.equal(out.text(), 'printer | hi 1\nprinter | hi 2\nprinter | hi 3\n');
});

test('timestamps: true puts an ISO time before the prefix', async () => {
  const { h, out } = hub({ timestamps: true });
  h.addService('web', spec());
  await feed(h, 'web', 'x\n');
  h.dinit('web started');
  await h.flush();
  assert.equal(out.text(), '2024-01-02T03:04:05.006Z web | x\n2024-01-02T03:04:05.006Z [dinit] web started\n');
});

test("dinit's own messages print as [dinit] lines on stdout, one per line of text", async () => {
  const { h, out, err } = hub();
  h.dinit('web started (pid 42)\nsecond line');
  await h.flush();
  assert.equal(out.text(), '[dinit] web started (pid 42)\n[dinit] second line\n');
  assert.equal(err.text(), '');
});

test('json format prints one parseable object per line with time, service, stream and line', async () => {
  const { h, out, err } = hub({ format: 'json', timestamps: false, color: true });
  h.addService('web', spec());
  await feed(h, 'web', 'hello "quoted" \\ \u00e9\n', 'oops\n');
  h.dinit('web started');
  await h.flush();
  const outLines = out
    .text()
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(outLines, [
    { time: '2024-01-02T03:04:05.006Z', service: 'web', stream: 'stdout', line: 'hello "quoted" \\ \u00e9' },
    { time: '2024-01-02T03:04:05.006Z', service: 'dinit', stream: 'dinit', line: 'web started' },
  ]);
  assert.deepEqual(JSON.parse(err.text()), { time: '2024-01-02T03:04:05.006Z', service: 'web', stream: 'stderr', line: 'oops' });
  assert.doesNotMatch(out.text(), /\u001b\[/, 'json is never coloured');
});

test('configure switches the format after a reload', async () => {
  const { h, out } = hub();
  h.addService('web', spec());
  h.configure({ format: 'json' });
  await feed(h, 'web', 'x\n');
  await h.flush();
  assert.equal((JSON.parse(out.text()) as { line: string }).line, 'x');
});

// ANSI foreground colour code that opens a coloured prefix.
const colourOf = (text: string, name: string): string | undefined => new RegExp(`\\u001b\\[(\\d+)m${name} *\\| `).exec(text)?.[1];

test('with colour on, each service gets a stable colour of its own', async () => {
  const names = ['web', 'db', 'cache', 'worker'];
  const first = hub({ color: true });
  const second = hub({ color: true });
  for (const n of names) {
    first.h.addService(n, spec());
    second.h.addService(n, spec());
  }
  for (const n of names) {
    await feed(first.h, n, 'a\n');
    await feed(second.h, n, 'b\n');
  }
  // Re-registering (a reload) keeps the colour.
  first.h.addService('web', spec({ buffer: 5 }));
  await feed(first.h, 'web', 'c\n');
  await first.h.flush();
  await second.h.flush();
  const codes = names.map((n) => colourOf(first.out.text(), n));
  assert.ok(
    codes.every((c) => c !== undefined),
    'every prefix is coloured',
  );
  assert.equal(new Set(codes).size, names.length, 'services get distinct colours');
  assert.deepEqual(
    names.map((n) => colourOf(second.out.text(), n)),
    codes,
    'the same names get the same colours in another run',
  );
  const webLines = first.out
    .text()
    .split('\n')
    .filter((l) => l.includes('web'));
  assert.equal(new Set(webLines.map((l) => colourOf(l + '\n', 'web'))).size, 1, 'colour unchanged after re-registering');
  assert.match(first.out.text(), /\u001b\[\d+mweb {4}\| \u001b\[39ma\n/, 'only the prefix is coloured, the line is untouched');
});

test('with colour off, no ANSI codes are written', async () => {
  const { h, out } = hub({ color: false });
  h.addService('web', spec());
  await feed(h, 'web', 'x\n');
  h.dinit('y');
  await h.flush();
  assert.doesNotMatch(out.text(), /\u001b/);
});

/** Run the hub in a child whose stdout is a pipe, with the given environment. */
function colorHarness(env: Record<string, string>): Promise<string> {
  const base = { ...process.env };
  delete base.FORCE_COLOR;
  delete base.NO_COLOR;
  const child = spawn(process.execPath, [join(buildRoot, 'test', 'log', 'hub-child.js'), '--harness', 'color'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...base, ...env },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  return within(new Promise((resolve) => child.on('close', () => resolve(out))), 10_000, 'the colour harness');
}

test('colour is detected: none on a pipe, on with FORCE_COLOR, never with NO_COLOR', async () => {
  const [plain, forced, no, both] = await Promise.all([colorHarness({}), colorHarness({ FORCE_COLOR: '1' }), colorHarness({ NO_COLOR: '1' }), colorHarness({ FORCE_COLOR: '1', NO_COLOR: '1' })]);
  assert.equal(plain, 'web | hello\n[dinit] event\n');
  assert.match(forced, /\u001b\[\d+mweb \| \u001b\[39mhello\n/);
  assert.match(forced, /\u001b\[1m\[dinit\]\u001b\[22m event\n/);
  assert.equal(no, plain);
  assert.equal(both, plain);
});

test('attaching a stream that already ended resolves at once', async () => {
  const { h } = hub();
  const s = new PassThrough();
  s.resume();
  s.end();
  await new Promise<void>((resolve) => s.once('end', () => resolve()));
  await within(h.attach('late', s, null), 1000, 'attach to resolve');
});

test('CRLF endings lose their CR on the console, with and without prefix; a CR inside a line stays', async () => {
  const { h, out } = hub();
  h.addService('web', spec());
  h.addService('raw', spec({ prefix: false }));
  await feed(h, 'web', 'one\r\n50%\r100%\r\n');
  await feed(h, 'raw', 'two\r\nthree\n');
  await h.flush();
  assert.equal(out.text(), 'web | one\nweb | 50%\r100%\ntwo\nthree\n');
});

test('a chunk with invalid UTF-8 or a line over 64 KiB is still printed whole-line by whole-line, each with its prefix', async () => {
  const { h, out } = hub();
  h.addService('bin', spec());
  const o = new PassThrough();
  const done = h.attach('bin', o, null);
  o.write(Buffer.concat([Buffer.from('ok\n'), Buffer.from([0x61, 0xff, 0x0a]), Buffer.from('fine\n')]));
  o.end('y'.repeat(64 * 1024 + 10) + '\nlast\n');
  await within(done, 2000, 'attach');
  await h.flush();
  const lines = out.text().split('\n');
  assert.deepEqual(lines.slice(0, 3), ['bin | ok', 'bin | a\ufffd', 'bin | fine']);
  assert.equal(lines[3], 'bin | ' + 'y'.repeat(64 * 1024), 'an overlong line is cut at the limit');
  assert.deepEqual(lines.slice(4), ['bin | ' + 'y'.repeat(10), 'bin | last', '']);
});

test('thousands of lines in one chunk each get a prefix, and probes, followers and the buffer see each of them', async () => {
  const { h, out } = hub();
  h.addService('bulk', spec({ buffer: 5 }));
  const probed: string[] = [];
  const followed: string[] = [];
  h.onLine('bulk', (l) => probed.push(l));
  h.follow(['bulk'], (l) => followed.push(l.line));
  const text = Array.from({ length: 5000 }, (_, i) => `l${i}\n`).join('');
  await feed(h, 'bulk', text);
  await h.flush();
  const expected = Array.from({ length: 5000 }, (_, i) => `l${i}`);
  assert.equal(out.text(), expected.map((l) => `bulk | ${l}\n`).join(''));
  assert.deepEqual(probed, expected);
  assert.deepEqual(followed, expected);
  assert.deepEqual(
    h.tail(['bulk'], 100).map((l) => l.line),
    expected.slice(-5),
    'the buffer keeps the last 5 lines',
  );
});

test('a service name outside ASCII is padded and printed like any other', async () => {
  const { h, out } = hub();
  h.addService('wéb', spec());
  h.addService('dbase', spec());
  await feed(h, 'wéb', 'x\ny\n');
  await h.flush();
  assert.equal(out.text(), 'wéb   | x\nwéb   | y\n');
});
