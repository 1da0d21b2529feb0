// Readiness the service announces itself — a log line, a newline on the notify fd,
// READY=1 on NOTIFY_SOCKET — with the real fixture programs.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { prepareReadiness, startReadiness } from '../../src/runtime/probes/index.js';
import type { ReadySpec } from '../../src/types.js';
import { bareContext, DEADLINE, Recorder, startFixture, waitExit, withDeadline } from './support.js';

const timing = { interval: 100, timeout: 10_000 };

// Independent tests, run concurrently to keep the suite fast.
describe('readiness told by the service (log, notify fd, notify systemd)', { concurrency: true }, () => {
  test('a log probe is ready when a late line matches, not on the lines before it', async (t) => {
    const fx = startFixture(t, 'ready-line.js', ['--line', 'server listening on :8080', '--delay', '150']);
    const rec = new Recorder();
    const spec: ReadySpec = { probe: { kind: 'log', pattern: 'listening on :\\d+' }, ...timing };
    let linesAtReady: string[] = [];
    const handle = startReadiness(spec, fx.ctx, await prepareReadiness(spec, 'web'), {
      ...rec.readiness,
      onReady: () => {
        linesAtReady = [...fx.lines];
        rec.readiness.onReady();
      },
    });
    t.after(() => handle.cancel());
    await rec.next('ready');
    assert.deepEqual(linesAtReady, ['starting up', 'loading configuration', 'warming caches', 'server listening on :8080'], 'ready on the matching line itself');
  });

  test('a log probe is case-sensitive', async (t) => {
    const fx = startFixture(t, 'ready-line.js', ['--line', 'READY', '--delay', '0']);
    const rec = new Recorder();
    const spec: ReadySpec = { probe: { kind: 'log', pattern: 'ready' }, ...timing };
    const handle = startReadiness(spec, fx.ctx, await prepareReadiness(spec, 'web'), rec.readiness);
    t.after(() => handle.cancel());
    await fx.waitLine(/^READY$/);
    await new Promise((r) => setImmediate(r));
    assert.equal(rec.count('ready'), 0);
  });

  test('a log probe with an invalid regular expression fails', async () => {
    const rec = new Recorder();
    const spec: ReadySpec = { probe: { kind: 'log', pattern: 'listening (' }, ...timing };
    startReadiness(spec, bareContext(), await prepareReadiness(spec, 'web'), rec.readiness);
    const fail = (await rec.next('fail')) as { message: string };
    assert.match(fail.message, /invalid log pattern \/listening \(\//);
  });

  async function spawnWithPrep(t: Parameters<typeof startFixture>[0], spec: ReadySpec, fixture: string, args: string[]) {
    const prep = await prepareReadiness(spec, 'svc');
    t.after(() => prep.close());
    const fx = startFixture(t, fixture, args, { env: prep.env, extraStdio: prep.stdio });
    prep.attach(fx.child);
    const rec = new Recorder();
    const handle = startReadiness(spec, fx.ctx, prep, rec.readiness);
    t.after(() => handle.cancel());
    return { prep, fx, rec, handle };
  }

  test('notify fd: the service gets DINIT_READY_FD and is ready when it writes a newline', async (t) => {
    const spec: ReadySpec = { probe: { kind: 'notify-fd', fd: 3 }, ...timing };
    const { prep, fx, rec } = await spawnWithPrep(t, spec, 'notify-fd.js', ['--delay', '150']);
    assert.deepEqual(prep.env, { DINIT_READY_FD: '3' });
    assert.deepEqual(prep.stdio, ['pipe']);
    await rec.next('ready');
    await fx.waitLine(/^notified$/);
    assert.equal(rec.count('fail'), 0);
  });

  test('notify fd: a higher fd number leaves the slots below it closed', async (t) => {
    const spec: ReadySpec = { probe: { kind: 'notify-fd', fd: 5 }, ...timing };
    const { prep, rec } = await spawnWithPrep(t, spec, 'notify-fd.js', ['--delay', '0']);
    assert.deepEqual(prep.stdio, ['ignore', 'ignore', 'pipe']);
    await rec.next('ready');
  });

  test('notify fd: closing the fd without a newline fails readiness', async (t) => {
    const spec: ReadySpec = { probe: { kind: 'notify-fd', fd: 3 }, ...timing };
    const { fx, rec } = await spawnWithPrep(t, spec, 'notify-fd.js', ['--delay', '50', '--close']);
    const fail = (await rec.next('fail')) as { message: string };
    assert.equal(fail.message, 'closed its notify fd without signalling readiness');
    assert.equal(rec.count('ready'), 0);
    assert.equal(fx.child.exitCode, null, 'the service itself is still running');
  });

  test('notify fd: a service that exits before signalling fails readiness', async (t) => {
    const spec: ReadySpec = { probe: { kind: 'notify-fd', fd: 3 }, ...timing };
    const prep = await prepareReadiness(spec, 'svc');
    const fx = startFixture(t, 'exit-with.js', ['--code', '1', '--after', '50'], { env: prep.env, extraStdio: prep.stdio });
    prep.attach(fx.child);
    const rec = new Recorder();
    startReadiness(spec, fx.ctx, prep, rec.readiness);
    await rec.next('fail');
    await waitExit(fx.child);
  });

  test('notify readiness on a prep that was already closed fails instead of waiting forever', async () => {
    const spec: ReadySpec = { probe: { kind: 'notify-systemd' }, ...timing };
    const prep = await prepareReadiness(spec, 'svc');
    prep.close();
    const rec = new Recorder();
    startReadiness(spec, bareContext(), prep, rec.readiness);
    assert.match(((await rec.next('fail')) as { message: string }).message, /already closed/);
  });

  test('notify fd: fds 0-2 are refused', async () => {
    await assert.rejects(prepareReadiness({ probe: { kind: 'notify-fd', fd: 1 }, ...timing }, 'svc'), /notify fd must be a number from 3/);
  });

  test('notify systemd: STATUS= reaches onStatus and READY=1 makes the service ready', async (t) => {
    const spec: ReadySpec = { probe: { kind: 'notify-systemd' }, ...timing };
    const { prep, fx, rec } = await spawnWithPrep(t, spec, 'notify-systemd.js', ['--delay', '150', '--status', 'accepting connections']);
    assert.match(prep.env.NOTIFY_SOCKET ?? '', /^@dinit-notify\//);
    const ready = await rec.next('ready');
    const status = rec.events.find((e) => e.kind === 'status') as { text: string; at: number };
    assert.equal(status.text, 'accepting connections');
    assert.ok(status.at <= ready.at, 'the STATUS sent first arrives first');
    await fx.waitLine(/^notified$/);
  });

  test('notify systemd: STOPPING=1 before READY=1 fails readiness', async (t) => {
    const spec: ReadySpec = { probe: { kind: 'notify-systemd' }, ...timing };
    const { rec } = await spawnWithPrep(t, spec, 'notify-systemd.js', ['--message', 'STOPPING=1']);
    const fail = (await rec.next('fail')) as { message: string };
    assert.match(fail.message, /STOPPING=1 before READY=1/);
  });

  test('notify systemd: ERRNO= is shown with the status', async (t) => {
    const spec: ReadySpec = { probe: { kind: 'notify-systemd' }, ...timing };
    const { rec } = await spawnWithPrep(t, spec, 'notify-systemd.js', ['--message', 'STATUS=cannot bind\nERRNO=98']);
    const status = (await rec.next('status')) as { text: string };
    assert.equal(status.text, 'cannot bind (errno 98 EADDRINUSE)');
    assert.equal(rec.count('ready'), 0);
  });

  test('notify systemd: many services waiting at once leave the threadpool free', async (t) => {
    // One poll() serves every socket. Were each socket waited on by a blocking call
    // in the threadpool (4 threads), 8 waiting services would leave none for fs.
    const spec: ReadySpec = { probe: { kind: 'notify-systemd' }, ...timing };
    const handles = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const prep = await prepareReadiness(spec, 'svc');
        const h = startReadiness(spec, bareContext(), prep, new Recorder().readiness);
        t.after(() => h.cancel());
        return h;
      }),
    );
    const { readFile } = await import('node:fs/promises');
    await withDeadline(Promise.all(Array.from({ length: 8 }, () => readFile(new URL(import.meta.url)))), DEADLINE, 'fs reads while 8 services wait');
    for (const h of handles) h.cancel();
  });
});
