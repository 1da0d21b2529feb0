// Output under pressure, end to end: ten services flood their stdout while
// dinit's own stdout is a pipe to this test that nobody reads for 10 s. dinit
// must not block (every status request during the stall is answered; a
// blocked event loop would answer none until the stall ends; the latency is
// printed as a diagnostic, not asserted: under load it measures the machine,
// not dinit), must not grow (RSS sampled through the stall stays under
// a stated bound), must say how many lines it dropped once output flows
// again, and must resume with whole, ordered lines only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from '../../src/control/client.js';
import { makeTmpDir, startDinit, writeConfig } from '../helpers/dinit-process.js';
import { buildRoot } from '../helpers/paths.js';
import { fixture } from '../e2e/support.js';

const bin = join(buildRoot, 'src', 'bin', 'dinit.js');
const STALL_MS = 10_000;
const SERVICES = 10;
const SIZE = 100;
/** RSS may grow this much over its value before the stall (the console queue is 1 MiB; rings hold 1000 lines each). */
const RSS_GROWTH_BOUND_MB = 48;
/** Far below the stall: a supervisor blocked on its stdout could not answer within it. */
const STATUS_DEADLINE_MS = 5000;

const LINE = /^(f\d+) *\| (\d{8}) ([a-z])\3*$/;
const NOTICE = /^\[dinit\] dropped (\d+) lines? from (f\d+) \(output too slow\)$/;

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test(`${SERVICES} flooding services and a stdout nobody reads for ${STALL_MS / 1000}s: status stays fast, memory bounded, drops reported, output resumes whole`, async (t) => {
  const dir = makeTmpDir('dinit-flood-');
  const flood = fixture('flood-output.js', '--lines', 50_000_000, '--size', SIZE);
  const services = Array.from({ length: SERVICES }, (_, i) => `  f${i}: { command: ${flood}, stop-timeout: 1s }`);
  const config = writeConfig(dir, `options: { shutdown-timeout: 5s }\nservices:\n${services.join('\n')}\n`);
  const d = await startDinit({ config, dir, t, bin });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rows = await request(d.socket, 'status', { names: [] }, { timeoutMs: 2000 }).catch(() => []);
    if (rows.length === SERVICES && rows.every((r) => r.state === 'started')) break;
    assert.ok(Date.now() < deadline, `services did not start\n${d.dump()}`);
    await sleep(50);
  }
  // Every service is flooding before the stall begins.
  for (let i = 0; i < SERVICES; i++) await d.waitForLine(new RegExp(`^f${i} *\\| \\d{8} `), { timeoutMs: 10_000 });

  const stdout = d.child.stdout!;
  stdout.pause();
  const before = rssMb(d.pid);
  const latencies: number[] = [];
  let peak = before;
  const end = performance.now() + STALL_MS;
  while (performance.now() < end) {
    const t0 = performance.now();
    const rows = await request(d.socket, 'status', { names: [] }, { timeoutMs: STATUS_DEADLINE_MS });
    latencies.push(performance.now() - t0);
    assert.equal(rows.length, SERVICES);
    peak = Math.max(peak, rssMb(d.pid));
    await sleep(200);
  }
  const mark = d.mark();
  stdout.resume();
  t.diagnostic(`RSS before the stall ${before.toFixed(1)} MB, peak during it ${peak.toFixed(1)} MB`);
  const sorted = [...latencies].sort((a, b) => a - b);
  t.diagnostic(`status during the stall: ${latencies.length} requests, median ${sorted[sorted.length >> 1]!.toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`);
  assert.ok(peak - before <= RSS_GROWTH_BOUND_MB, `RSS grew ${(peak - before).toFixed(1)} MB during the stall (bound ${RSS_GROWTH_BOUND_MB} MB)`);
  // Answered all through the stall (each request above had a deadline well inside it).
  assert.ok(latencies.length >= 2, `only ${latencies.length} status request(s) answered during a ${STALL_MS / 1000}s stall`);

  // Reading again: the drop notice comes, and the lines that follow it are whole.
  const notice = await d.waitForEntry(NOTICE, { from: mark, timeoutMs: 10_000 });
  await d.waitForLine(LINE, { from: notice.index + 1, timeoutMs: 10_000 });
  // What comes after the shutdown may end in the cut-off last line of a killed
  // flooder (flushed as it is, by design): check everything before it.
  const upTo = d.mark();
  await request(d.socket, 'shutdown', {}, { timeoutMs: 5000 });
  await d.exited(20_000);
  const last = new Map<string, number>();
  let whole = 0;
  for (const l of d.entries().slice(0, upTo)) {
    if (l.stream !== 'stdout') continue;
    if (l.text.startsWith('[dinit] ')) continue;
    const m = LINE.exec(l.text);
    assert.ok(m, `a whole, unmixed line: ${JSON.stringify(l.text.slice(0, 140))}`);
    const i = Number(m[2]);
    assert.equal(m[3], String.fromCharCode(97 + (i % 26)), 'the filler belongs to the line');
    assert.equal(l.text.length - l.text.indexOf('| ') - 2, SIZE, 'the line has its full length');
    assert.ok(i > (last.get(m[1]!) ?? -1), `lines of ${m[1]} stay in order`);
    last.set(m[1]!, i);
    whole++;
  }
  const dropped = d.lines().reduce((n, l) => n + Number(NOTICE.exec(l)?.[1] ?? 0), 0);
  t.diagnostic(`${whole} whole lines received, ${dropped} reported dropped`);
  assert.ok(dropped > 0);
});
