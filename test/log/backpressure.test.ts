// The console must never block the supervisor nor grow without bound when
// nobody reads dinit's stdout. These tests run a LogHub in a child process
// (test/log/hub-child.ts) whose fd 1 is a real pipe the test stops reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRoot } from '../helpers/paths.js';
import { within } from './helpers.js';
import type { Readable } from 'node:stream';

const harness = join(buildRoot, 'test', 'log', 'hub-child.js');
const LINE = /^(\S+) +\| (\d{8}) ([a-z])\3*$/;
const NOTICE = /^\[dinit\] dropped (\d+) lines? from (\S+) \(output too slow\)$/;

interface Result {
  maxLagMs: number;
  maxRawLagMs: number;
  rssGrowth: number;
  dropped: Record<string, number>;
  flagsBefore: number;
  flagsAfter: number;
  stdoutKind: string;
}

interface Tally {
  received: Map<string, number>;
  noticed: Map<string, number>;
  done: Set<string>;
}

/** Check every output line is whole and in order; count lines and drop notices per service. */
function tally(output: string, size: number): Tally {
  const t: Tally = { received: new Map(), noticed: new Map(), done: new Set() };
  const lastIndex = new Map<string, number>();
  const lines = output.split('\n');
  assert.equal(lines.pop(), '', 'output ends with a complete line');
  for (const line of lines) {
    const notice = NOTICE.exec(line);
    if (notice) {
      t.noticed.set(notice[2]!, (t.noticed.get(notice[2]!) ?? 0) + Number(notice[1]));
      continue;
    }
    const done = /^(\S+) +\| done$/.exec(line);
    if (done) {
      t.done.add(done[1]!);
      t.received.set(done[1]!, (t.received.get(done[1]!) ?? 0) + 1);
      continue;
    }
    const m = LINE.exec(line);
    assert.ok(m, `a whole, unmixed line: ${JSON.stringify(line.slice(0, 120))}`);
    const [, name, idx, letter] = m;
    const i = Number(idx);
    assert.equal(line.length - line.indexOf('| ') - 2, size, 'line has its full length');
    assert.equal(letter, String.fromCharCode(97 + (i % 26)), 'filler belongs to this line');
    assert.ok(i > (lastIndex.get(name!) ?? -1), 'lines of a service arrive in order');
    lastIndex.set(name!, i);
    t.received.set(name!, (t.received.get(name!) ?? 0) + 1);
  }
  return t;
}

/**
 * Run the hub harness with its stdout connected to us through `via`:
 *  - fifo:   a real pipe (what Docker gives a container), through `| cat`;
 *  - socket: a socketpair (what Node's child_process 'pipe' creates).
 * We do not read for `stallMs`, nor (`awaitFlood`) before the harness says on
 * fd 3 that it has taken in all of its producers' output — so the whole flood
 * meets a stalled reader however slow the machine is.
 * With `mergeStderr` its stderr is the same file (2>&1).
 */
function runHarness(services: object[], opts: { stallMs: number; mergeStderr: boolean; via: 'fifo' | 'socket'; awaitFlood: boolean; maxQueueBytes?: number }): Promise<{ output: string; result: Result }> {
  const dir = mkdtempSync(join(tmpdir(), 'dinit-log-'));
  const resultFile = join(dir, 'result.json');
  const argv = [process.execPath, '--expose-gc', harness, '--harness', 'flood', resultFile, JSON.stringify(services)];
  if (opts.maxQueueBytes) argv.push(String(opts.maxQueueBytes));
  const redirect = opts.mergeStderr ? ' 2>&1' : '';
  const script = opts.via === 'fifo' ? `"$@"${redirect} | cat` : `exec "$@"${redirect}`;
  // Its own process group, so a failed run can be killed whole.
  const child = spawn('sh', ['-c', script, 'sh', ...argv], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'], detached: true });
  const chunks: Buffer[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // Not reading for a while: the pipe fills, the hub must cope on its own.
  const stalled = new Promise<void>((resolve) => setTimeout(resolve, opts.stallMs));
  const signals = child.stdio[3] as Readable;
  // (A hub that blocks would never say so: give up waiting after 10 s, and the
  // lag it then reports fails the test instead of hanging it.)
  const flooded = opts.awaitFlood
    ? new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        signals.once('data', () => {
          clearTimeout(timer);
          resolve();
        });
      })
    : null;
  signals.resume();
  let reading = false;
  void Promise.all([stalled, flooded]).then(() => {
    reading = true;
    child.stdout!.on('data', (c: Buffer) => chunks.push(c));
  });
  const killGroup = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  return within(exited, 30_000, 'the harness to finish')
    .catch((err: unknown) => {
      killGroup();
      throw err;
    })
    .then((code) => {
      assert.ok(reading, 'the harness finished only after we read its output');
      assert.equal(code, 0, 'harness pipeline exits 0');
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as Result;
      rmSync(dir, { recursive: true, force: true });
      assert.equal(result.stdoutKind, opts.via, `the hub wrote to a ${opts.via}`);
      return { output: Buffer.concat(chunks).toString('utf8'), result };
    });
}

/**
 * The hub's event loop never stalled: timer lag not explained by waiting for a
 * CPU stays under 100 ms, and even the raw lag (however loaded the machine)
 * stays far below what a blocking write during the stall would cause.
 */
function assertResponsive(result: Result): void {
  const msg = `max timer lag ${result.maxLagMs.toFixed(1)} ms, ${result.maxRawLagMs.toFixed(1)} ms counting waits for a CPU`;
  assert.ok(result.maxLagMs < 100, `event loop stayed responsive (${msg})`);
  assert.ok(result.maxRawLagMs < 1000, `event loop was never blocked (${msg})`);
}

/** Every input line arrived whole or was counted as dropped, and every drop was reported. */
function assertAccounted(t: Tally, result: Result, services: { name: string; lines: number }[]): void {
  for (const { name, lines } of services) {
    const dropped = result.dropped[name] ?? 0;
    assert.equal((t.received.get(name) ?? 0) + dropped, lines + 1, `${name}: every line arrived whole or was counted as dropped`);
    assert.equal(t.noticed.get(name) ?? 0, dropped, `${name}: the notices account for every dropped line`);
  }
}

test('a reader that stops reading a pipe for 2 s neither blocks the hub nor makes it grow; drops are counted and reported', async () => {
  const services = [{ name: 'flood', lines: 250_000, size: 200 }]; // 50 MB against a 1 MiB queue
  const { output, result } = await runHarness(services, { stallMs: 2000, mergeStderr: false, via: 'fifo', awaitFlood: true });
  const t = tally(output, 200);
  assertResponsive(result);
  assert.ok(result.rssGrowth < 64 * 1024 * 1024, `memory stayed bounded (rss grew ${(result.rssGrowth / 1048576).toFixed(1)} MiB)`);
  assert.ok((result.dropped.flood ?? 0) > 0, 'lines were dropped while nobody read');
  assertAccounted(t, result, services);
  assert.equal(result.flagsAfter, result.flagsBefore, "the hub leaves fd 1's flags alone (it writes the pipe through a description of its own)");
});

test('a stalled socket as stdout (a Node parent) is handled the same way', async () => {
  const services = [{ name: 'flood', lines: 100_000, size: 200 }];
  const { output, result } = await runHarness(services, { stallMs: 2000, mergeStderr: false, via: 'socket', awaitFlood: true });
  const t = tally(output, 200);
  assertResponsive(result);
  assert.ok(result.rssGrowth < 64 * 1024 * 1024, `memory stayed bounded (rss grew ${(result.rssGrowth / 1048576).toFixed(1)} MiB)`);
  assert.ok((result.dropped.flood ?? 0) > 0, 'lines were dropped while nobody read');
  assertAccounted(t, result, services);
});

test('two services flooding stdout and stderr of one pipe (2>&1) never interleave mid-line', async () => {
  const services = [
    { name: 'a', lines: 40_000, size: 300 },
    { name: 'bb', lines: 40_000, size: 300, stderr: true },
  ];
  // A reader that keeps reading but is slower than the producers: the pipe is
  // often full, so writes are partial. The queue is big enough to hold it all
  // (nothing dropped), so every line of both services must arrive whole.
  const { output, result } = await runHarness(services, {
    stallMs: 0,
    mergeStderr: true,
    via: 'fifo',
    awaitFlood: false,
    maxQueueBytes: 64 * 1024 * 1024,
  });
  const t = tally(output, 300);
  assert.deepEqual(result.dropped, {});
  assertAccounted(t, result, services);
  const order = output.split('\n').map((l) => l.split(' ')[0]);
  const switches = order.filter((name, i) => i > 0 && name !== order[i - 1]).length;
  assert.ok(switches >= 2, `the two services' lines were mixed (${switches} switches)`);
  assertResponsive(result);
});
