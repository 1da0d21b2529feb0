// `dinit events` against a real supervisor and real processes: a follower sees
// a crash, the restart and the rollback of the dependent, in order, with
// reasons; a follower naming one service sees only that one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { makeTmpDir, startDinit, waitUntil, writeConfig, type DinitProcess } from '../helpers/dinit-process.js';
import type { EventRecord } from '../../src/control/target.js';
import { fixture, started, waitStarted } from './support.js';

/** `dinit events ARGS` of the supervisor's own build, collecting what it prints. */
function follow(d: DinitProcess, args: string[]): { records: EventRecord[]; text: () => string; stop: () => Promise<number | null> } {
  const child = spawn(process.execPath, [d.bin, 'events', ...args], { env: d.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const records: EventRecord[] = [];
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    if (args.includes('--json')) for (const l of lines) records.push(JSON.parse(l) as EventRecord);
    else for (const l of lines) records.push({ time: 0, service: '', event: 'spawned', pid: null, reason: l });
  });
  const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return {
    records,
    text: () => records.map((r) => (r.time ? `${r.service} ${r.event} ${r.reason ?? ''}` : (r.reason ?? ''))).join('\n'),
    stop: async () => {
      child.kill('SIGINT');
      return closed;
    },
  };
}

/** Reload until the follower has seen dinit's `reloaded`: then it is surely subscribed. */
async function subscribed(d: DinitProcess, seen: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!seen()) {
    if (performance.now() > deadline) throw new Error(`the events follower never saw a reload\n${d.dump()}`);
    await d.cli(['reload']);
    await waitUntil('a reloaded event', () => seen(), 1000).catch(() => undefined);
  }
}

test('dinit events streams a crash, its restart and the rollback of the dependent, with reasons', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  db:
    command: ${fixture('ready-line.js', '--line', 'accepting')}
    ready: { log: accepting }
    restart: always
    restart-delay: 50ms
  api: { command: ${fixture('long-running.js', 'api')}, depends-on: [db] }
`,
  );
  const d = await startDinit({ config, dir, t });
  await waitStarted(d, 'api');
  const all = follow(d, ['--json']);
  const onlyApi = follow(d, ['api']);
  t.after(async () => {
    await all.stop();
    await onlyApi.stop();
  });
  await subscribed(d, () => all.records.some((r) => r.service === 'dinit' && r.event === 'reloaded'));
  // The filtered follower sees no reload: it is subscribed once it has seen a restart of api.
  for (const deadline = performance.now() + 10_000; !/ api started/.test(onlyApi.text());) {
    if (performance.now() > deadline) throw new Error(`the filtered events follower never saw api restart\n${d.dump()}`);
    await d.cli(['restart', 'api']);
    await waitUntil('api restarted in the filtered follower', () => / api started/.test(onlyApi.text()), 1000).catch(() => undefined);
  }
  const fromText = onlyApi.text().length;
  const from = all.records.length;
  const mark = d.mark();
  const r = await d.cli(['signal', 'KILL', 'db']);
  assert.equal(r.code, 0, r.stderr);
  await d.waitForLine(started('api'), { from: mark, timeoutMs: 10000 });
  await waitUntil('api started again in the events', () => all.records.slice(from).some((x) => x.service === 'api' && x.event === 'started'), 5000);

  const seq = all.records.slice(from).map((x) => `${x.service} ${x.event}${x.reason ? ` (${x.reason})` : ''}`);
  const index = (re: RegExp): number => {
    const i = seq.findIndex((s) => re.test(s));
    assert.ok(i >= 0, `${re} not in:\n${seq.join('\n')}`);
    return i;
  };
  const exited = index(/^db exited \(killed by SIGKILL\)$/);
  const apiStopping = index(/^api stopping \(dependency db stopped\)$/);
  const restarting = index(/^db restarting \(in 50ms \(restart 1 of 3 within 10s\)\)$/);
  const ready = index(/^db ready$/);
  const apiStarted = seq.findIndex((s, i) => i > ready && /^api started$/.test(s));
  assert.ok(exited < restarting && restarting < ready && apiStopping < ready && ready < apiStarted, seq.join('\n'));
  for (const x of all.records) assert.ok(typeof x.time === 'number' && x.time > 0);

  // The follower that named api saw api's changes and nothing of db or dinit.
  await waitUntil('api started in the filtered follower', () => /api started/.test(onlyApi.text().slice(fromText)), 5000);
  const text = onlyApi.text().slice(fromText).replace(/^\n/, '');
  assert.match(text, /^\d{4}-\d\d-\d\dT\S+Z api stopping \(dependency db stopped\)$/m);
  for (const line of text.split('\n')) assert.match(line, /^\S+ api /, 'only api lines');
});
