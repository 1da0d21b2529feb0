// What services' output becomes, through the real binary: the console formats
// (json, timestamps, bare lines), rotated log files, an unwritable log file,
// and the in-memory buffers behind `dinit logs` (-n, buffer size, -f). Every
// wait is on a line or a file's content with a deadline; a file is checked
// once the line the service printed last has reached it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDinit, writeConfig, makeTmpDir, waitUntil, dinitBin } from '../helpers/dinit-process.js';
import { fixture, sh, ev, out, stopped } from './support.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

test('log-format json: every line dinit writes, its own included, is a JSON object with time, service, stream and line', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `options: { log-format: json }
services:
  p:
    command: ${fixture('print-lines.js', '--every', 5, '--count', 3, '--text', 'hello')}
    restart: never
  q:
    command: ${sh(`echo 'to stderr' >&2; echo '{"not":"parsed"} | with a bar'; exec sleep 1000`)}
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(/"line":"hello 3"/);
  await d.waitForLine(/"line":"to stderr"/, { stream: 'stderr' });
  await d.waitForLine(/"line":"p stopped"/);
  await d.signal('SIGTERM');
  assert.equal((await d.exited()).code, 0, d.dump());

  const objects = d.entries().map((l): Record<string, unknown> => {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(l.text) as Record<string, unknown>;
    } catch {
      assert.fail(`not JSON on ${l.stream}: ${l.text}\n${d.dump()}`);
    }
    assert.deepEqual(Object.keys(o).sort(), ['line', 'service', 'stream', 'time'], l.text);
    assert.match(String(o.time), ISO, l.text);
    return { ...o, on: l.stream };
  });
  const find = (service: string, line: string): Record<string, unknown> | undefined => objects.find((o) => o.service === service && o.line === line);
  assert.deepEqual(find('p', 'hello 1'), { ...find('p', 'hello 1'), stream: 'stdout', on: 'stdout' });
  assert.deepEqual(find('q', 'to stderr'), { ...find('q', 'to stderr'), stream: 'stderr', on: 'stderr' });
  assert.ok(find('q', '{"not":"parsed"} | with a bar'), 'a service line that looks like JSON is kept as a string');
  assert.ok(objects.some((o) => o.service === 'dinit' && o.stream === 'dinit' && o.on === 'stdout' && /^p started \(pid \d+\)$/.test(String(o.line))));
  assert.equal(find('dinit', 'exiting with code 0')?.stream, 'dinit');
});

test('timestamps: true prefixes every console line, service and dinit alike, with an ISO time', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `options: { timestamps: true }
services:
  p: { command: ${fixture('print-lines.js', '--every', 5, '--count', 2, '--text', 'tick')}, restart: never }
`,
  );
  const d = await startDinit({ config, dir, t });
  const first = await d.waitForLine(/ p \| tick 1$/);
  await d.waitForLine(/ \[dinit\] p stopped$/);
  const stamp = /^(\S+) /.exec(first)![1]!;
  assert.match(stamp, ISO);
  assert.ok(Math.abs(Date.parse(stamp) - Date.now()) < 60_000, first);
  for (const l of d.lines()) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (p \| |\[dinit\] )/, d.dump());
});

test("log.prefix: false prints a service's lines bare, while the others keep their prefix", async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  bare: { command: ${fixture('print-lines.js', '--every', 5, '--count', 2, '--text', 'plain')}, restart: never, log: { prefix: false } }
  named: { command: ${fixture('print-lines.js', '--every', 5, '--count', 2, '--text', 'tagged')}, restart: never }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(stopped('bare'));
  await d.waitForLine(stopped('named'));
  assert.ok(d.lines().includes('plain 1') && d.lines().includes('plain 2'), d.dump());
  assert.ok(d.indexOf(out('named', 'tagged 2$')) >= 0, d.dump());
  assert.equal(d.indexOf(/\| plain/), -1, d.dump());
});

test('log.file rotates at max-size keeping `keep` old files: file, file.1, file.2, each within the limit, newest lines in file', async (t) => {
  const dir = makeTmpDir();
  const file = join(dir, 'logs', 'flood.log');
  // 205 lines of 100 bytes = 20.5 KB through a 2 KB file (20 lines per file):
  // the last file holds 5 lines and `done`.
  const config = writeConfig(
    dir,
    `services:
  flood:
    command: ${fixture('flood-output.js', '--lines', 205, '--size', 99)}
    restart: never
    log: { file: logs/flood.log, max-size: 2KB, keep: 2 }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(stopped('flood'), { timeoutMs: 10000 });
  // The file may be renamed to flood.log.1 between any two calls while it rotates: a missing file is "not yet".
  const endsWithDone = (): boolean => {
    try {
      return readFileSync(file, 'utf8').endsWith('done\n');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  };
  await waitUntil('the last line in the log file', endsWithDone, 5000);

  assert.deepEqual(readdirSync(join(dir, 'logs')).sort(), ['flood.log', 'flood.log.1', 'flood.log.2'], d.dump());
  const oneLine = 100;
  for (const f of [file, `${file}.1`, `${file}.2`]) {
    const size = statSync(f).size;
    assert.ok(size <= 2000 + oneLine, `${f} is ${size} bytes`);
    assert.ok(size > 0, `${f} is empty`);
  }
  // Oldest to newest, the three files hold a contiguous run of lines ending with the last ones.
  const lines = [`${file}.2`, `${file}.1`, file].flatMap((f) => readFileSync(f, 'utf8').split('\n').slice(0, -1));
  assert.equal(lines.at(-1), 'done');
  const numbers = lines.slice(0, -1).map((l) => {
    const m = /^(\d{8}) ([a-z])\2*$/.exec(l);
    assert.ok(m, `mangled line in a log file: ${l}`);
    return Number(m[1]);
  });
  assert.equal(numbers.at(-1), 204);
  numbers.forEach((n, i) => assert.equal(n, numbers[0]! + i, 'lines are contiguous across the rotated files'));
  assert.ok(readFileSync(file, 'utf8').startsWith('00000200 '), 'the newest lines are in the file itself');
});

test('an unwritable log file is reported once and the service keeps printing to the console', async (t) => {
  const dir = makeTmpDir();
  writeFileSync(join(dir, 'not-a-dir'), 'a regular file\n');
  const config = writeConfig(
    dir,
    `services:
  chatty:
    command: ${fixture('print-lines.js', '--every', 2, '--count', 30, '--text', 'still here')}
    restart: never
    log: { file: not-a-dir/chatty.log }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(stopped('chatty'));
  const problems = d.lines().filter((l) => /cannot write log file .*not-a-dir\/chatty\.log/.test(l));
  assert.equal(problems.length, 1, d.dump());
  assert.match(problems[0]!, /^\[dinit\] /);
  for (let i = 1; i <= 30; i++) assert.ok(d.indexOf(out('chatty', `still here ${i}$`)) >= 0, `line ${i} missing\n${d.dump()}`);
});

test("dinit logs SERVICE -n 5 prints that service's last 5 lines, dinit's event lines about it included", async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  p: { command: ${fixture('print-lines.js', '--every', 1, '--count', 20, '--text', 'line')}, restart: never }
  other: { command: ${sh('echo unrelated; exec sleep 1000')} }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(stopped('p'));
  await d.waitForLine(out('other', 'unrelated'));
  const r = await d.cli(['logs', 'p', '-n', '5']);
  assert.equal(r.code, 0, r.stderr);
  // In arrival order: the exit may be seen before the last lines are read from the pipe, so compare as sets.
  const got = r.stdout.split('\n').slice(0, -1);
  assert.equal(got.length, 5, r.stdout);
  const story = ['p | line 16', 'p | line 17', 'p | line 18', 'p | line 19', 'p | line 20', '[dinit] p exited with code 0', '[dinit] p stopped'];
  assert.ok(
    got.every((l) => story.includes(l)),
    r.stdout,
  );
  assert.ok(got.includes('[dinit] p stopped'), r.stdout);
  assert.doesNotMatch((await d.cli(['logs', 'p'])).stdout, /other|unrelated/, "another service's event lines are not p's story");
});

test('log.buffer: 10 keeps only the last 10 lines (output and event lines) for dinit logs', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  p:
    command: ${fixture('print-lines.js', '--every', 1, '--count', 25, '--text', 'line')}
    restart: never
    log: { buffer: 10 }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(stopped('p'));
  const r = await d.cli(['logs', 'p', '-n', '100']);
  assert.equal(r.code, 0, r.stderr);
  const got = r.stdout.split('\n').slice(0, -1);
  assert.equal(got.length, 10, r.stdout);
  // The newest 10 of the story (the exit may be seen before the last lines are read: compare as sets).
  const story = [...Array.from({ length: 10 }, (_, i) => `p | line ${16 + i}`), '[dinit] p exited with code 0', '[dinit] p stopped'];
  assert.ok(
    got.every((l) => story.includes(l)),
    r.stdout,
  );
  assert.ok(got.includes('p | line 25') && got.includes('[dinit] p stopped'), r.stdout);
});

test('dinit logs -f prints the backlog, then streams a line printed afterwards', async (t) => {
  const dir = makeTmpDir();
  const gate = join(dir, 'gate');
  const config = writeConfig(
    dir,
    `services:
  svc: { command: ${sh(`echo first; while [ ! -e '${gate}' ]; do sleep 0.02; done; echo second; exec sleep 1000`)} }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(out('svc', 'first'));

  const follower = spawn(process.execPath, [dinitBin, 'logs', 'svc', '-f'], { env: d.env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => follower.kill('SIGKILL'));
  let got = '';
  follower.stdout.setEncoding('utf8').on('data', (c: string) => (got += c));
  follower.stderr.setEncoding('utf8').on('data', (c: string) => (got += c));
  const exit = new Promise<number | null>((r) => follower.on('close', (code) => r(code)));

  await waitUntil('the backlog from dinit logs -f', () => got.includes('svc | first\n'), 5000);
  writeFileSync(gate, '');
  await waitUntil('a streamed line from dinit logs -f', () => got.includes('svc | second\n'), 5000);
  assert.match(got, /^\[dinit\] svc started \(pid \d+\)\nsvc \| first\nsvc \| second\n$/);
  follower.kill('SIGINT');
  assert.equal(await exit, 0);
  assert.ok(d.indexOf(ev('svc', 'started')) >= 0);
});
