// Readiness by polling, against real listeners and real commands: tcp, http, exec.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { prepareReadiness, startReadiness } from '../../src/runtime/probes/index.js';
import type { ReadySpec } from '../../src/types.js';
import { bareContext, freePort, Recorder, startFixture, waitGone } from './support.js';

async function ready(t: { after(fn: () => unknown): void }, spec: ReadySpec, ctx = bareContext()) {
  const rec = new Recorder();
  const prep = await prepareReadiness(spec, 'svc');
  const handle = startReadiness(spec, ctx, prep, rec.readiness);
  t.after(() => handle.cancel());
  return { rec, handle };
}

// Independent tests, run concurrently to keep the suite fast.
describe('readiness by polling (tcp, http, exec)', { concurrency: true }, () => {
  test('a tcp probe becomes ready once a late listener opens its port, and says why it waited', async (t) => {
    const port = await freePort();
    const { rec } = await ready(t, { probe: { kind: 'tcp', host: '127.0.0.1', port }, interval: 50, timeout: 5000 });
    const status = await rec.next('status');
    assert.match((status as { text: string }).text, /waiting for tcp 127\.0\.0\.1:\d+: connect to .*ECONNREFUSED/);
    assert.equal(rec.count('ready'), 0);
    const fx = startFixture(t, 'late-listener.js', ['--port', String(port), '--delay', '150']);
    await rec.next('ready');
    await fx.waitLine(new RegExp(`^listening ${port}$`));
    assert.equal(rec.count('fail'), 0);
    assert.equal(rec.count('status'), 1, 'the same reason is reported once, not on every attempt');
  });

  test('a tcp probe with an impossible port fails at once instead of retrying', async (t) => {
    const { rec } = await ready(t, { probe: { kind: 'tcp', host: '127.0.0.1', port: 70000 }, interval: 50, timeout: 500 });
    const fail = await rec.next('fail');
    assert.match((fail as { message: string }).message, /invalid port 70000/);
  });

  test('an http probe waits through 503 answers and is ready on the first 200', async (t) => {
    const fx = startFixture(t, 'http-503-then-200.js', ['--port', '0', '--fail', '3']);
    const port = Number((await fx.waitLine(/^listening \d+/)).split(' ')[1]);
    const { rec } = await ready(t, { probe: { kind: 'http', url: `http://127.0.0.1:${port}/health` }, interval: 20, timeout: 10_000 });
    await rec.next('ready');
    await fx.waitLine(/^200 4$/);
    assert.deepEqual(
      fx.lines.filter((l) => /^\d{3} /.test(l)),
      ['503 1', '503 2', '503 3', '200 4'],
      'polled until the first 200, then stopped',
    );
    const status = rec.events.find((e) => e.kind === 'status') as { text: string };
    assert.match(status.text, /HTTP 503 Service Unavailable/);
  });

  test('an http probe does not follow redirects: a 302 is not ready', async (t) => {
    const { createServer } = await import('node:http');
    let hits = 0;
    const srv = createServer((req, res) => {
      hits++;
      res.writeHead(302, { location: '/elsewhere' }).end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    t.after(() => srv.close());
    const port = (srv.address() as { port: number }).port;
    const { rec, handle } = await ready(t, { probe: { kind: 'http', url: `http://127.0.0.1:${port}/` }, interval: 20, timeout: 10_000 });
    const status = await rec.next('status');
    assert.match((status as { text: string }).text, /HTTP 302/);
    handle.cancel();
    assert.equal(rec.count('ready'), 0);
    assert.ok(hits >= 1);
  });

  test('an http probe with a malformed URL fails instead of retrying forever', async (t) => {
    const { rec } = await ready(t, { probe: { kind: 'http', url: 'not a url' }, interval: 20, timeout: 100 });
    assert.match(((await rec.next('fail')) as { message: string }).message, /invalid URL/);
  });

  test('an exec probe that exits 0 is ready at once', async (t) => {
    const { rec } = await ready(t, { probe: { kind: 'exec', command: [process.execPath, '-e', 'process.exit(0)'] }, interval: 1000, timeout: 20_000 });
    await rec.next('ready');
  });

  test('an exec probe that exits non-zero is retried until it succeeds, with the reason in the status', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dinit-probe-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const flag = join(dir, 'up');
    const script = `if (!require('fs').existsSync(${JSON.stringify(flag)})) { console.error('not up yet'); process.exit(3) }`;
    const { rec } = await ready(t, { probe: { kind: 'exec', command: [process.execPath, '-e', script] }, interval: 30, timeout: 20_000 });
    const status = (await rec.next('status')) as { text: string };
    assert.match(status.text, /exited with code 3: not up yet/);
    writeFileSync(flag, '');
    await rec.next('ready');
    assert.equal(rec.count('fail'), 0);
  });

  test("an exec probe runs with the service's environment and working directory", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dinit-probe-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const script = `process.exit(process.env.PROBE_VAR === 'yes' && process.cwd() === ${JSON.stringify(dir)} ? 0 : 1)`;
    const ctx = bareContext({ PATH: process.env.PATH ?? '', PROBE_VAR: 'yes' }, dir);
    const { rec } = await ready(t, { probe: { kind: 'exec', command: [process.execPath, '-e', script] }, interval: 1000, timeout: 20_000 }, ctx);
    await rec.next('ready');
  });

  test('an exec probe that outlives its timeout is killed with everything it started', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dinit-probe-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const pids = join(dir, 'pids');
    // The probe starts a grandchild in its process group, records both pids, then hangs.
    // (sh, not node: it must be up well within the timeout even on a loaded machine.)
    const script = `sleep 60 & echo $$ $! > ${pids}; wait`;
    const { rec, handle } = await ready(t, { probe: { kind: 'exec', command: ['sh', '-c', script] }, interval: 10_000, timeout: 2000 });
    const status = (await rec.next('status')) as { text: string };
    assert.match(status.text, /timed out after 2000ms/);
    handle.cancel();
    const [probePid, grandchildPid] = readFileSync(pids, 'utf8').split(' ').map(Number);
    await waitGone(probePid!);
    await waitGone(grandchildPid!);
  });

  test('an exec probe whose program does not exist keeps waiting and says so', async (t) => {
    const { rec, handle } = await ready(t, { probe: { kind: 'exec', command: ['/nonexistent/probe'] }, interval: 30, timeout: 10_000 });
    const status = (await rec.next('status')) as { text: string };
    assert.match(status.text, /cannot run \/nonexistent\/probe: .*ENOENT/);
    handle.cancel();
    assert.equal(rec.count('fail'), 0);
  });
});
