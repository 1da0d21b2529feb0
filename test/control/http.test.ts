// The HTTP endpoint over a real TCP socket, against a fake supervisor.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startHttpEndpoint, type HttpEndpoint } from '../../src/control/http.js';
import { labelValue, renderMetrics } from '../../src/control/observe.js';
import { DinitError } from '../../src/errors.js';
import { FakeTarget, svcStatus } from './fake-target.js';

const TOKEN = 'correct-horse-battery-staple';

async function get(ep: HttpEndpoint, path: string, init: RequestInit = {}): Promise<{ status: number; body: string; type: string | null }> {
  const r = await fetch(`http://127.0.0.1:${ep.address().port}${path}`, init);
  return { status: r.status, body: await r.text(), type: r.headers.get('content-type') };
}

export function promtool(text: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is needed (apt-get install prometheus; .ci/run installs it): ${r.error.message}`);
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('HTTP endpoint with a fake supervisor', () => {
  const target = new FakeTarget();
  let open: HttpEndpoint; // no control
  let ctl: HttpEndpoint; // control with a token

  before(async () => {
    open = await startHttpEndpoint(target, { host: '127.0.0.1', port: 0, control: false, token: null });
    ctl = await startHttpEndpoint(target, { host: '127.0.0.1', port: 0, control: true, token: TOKEN });
  });
  after(async () => {
    await open.close();
    await ctl.close();
  });

  test('/livez and /readyz are 200 "ok" while all is well', async () => {
    target.services = [svcStatus('db', { pid: 42 }), svcStatus('web', { pid: 43 })];
    target.healthResult = { ok: true, problems: [] };
    assert.deepEqual(await get(open, '/livez'), { status: 200, body: 'ok\n', type: 'text/plain; charset=utf-8' });
    assert.deepEqual(await get(open, '/readyz'), { status: 200, body: 'ok\n', type: 'text/plain; charset=utf-8' });
  });

  test('/readyz is 503 with one line per service not ready; ?verbose lists every service', async () => {
    target.services = [svcStatus('db', { pid: 42 }), svcStatus('web', { state: 'starting', ready: false })];
    target.healthResult = { ok: false, problems: ['web: starting'] };
    assert.equal((await get(open, '/readyz')).status, 503);
    assert.equal((await get(open, '/readyz')).body, 'web: starting\n');
    assert.deepEqual(await get(open, '/readyz?verbose'), { status: 503, body: '[+]db ok\n[-]web: starting\nreadyz check failed\n', type: 'text/plain; charset=utf-8' });
    // Starting is not dead: liveness holds.
    assert.equal((await get(open, '/livez')).status, 200);
  });

  test('/livez is 503 once a service failed for good, naming it', async () => {
    target.services = [svcStatus('db', { state: 'stopped', failed: true, pid: null, ready: false, reason: 'restart limit reached' }), svcStatus('web')];
    assert.deepEqual(await get(open, '/livez'), { status: 503, body: 'db: failed (restart limit reached)\n', type: 'text/plain; charset=utf-8' });
    assert.equal((await get(open, '/livez?verbose')).body, '[-]db: failed (restart limit reached)\n[+]web ok\nlivez check failed\n');
  });

  test('/status is dinit status --json with resource figures, and never carries environment values', async () => {
    target.services = [svcStatus('db', { pid: 42 }), svcStatus('web', { pid: null, state: 'stopped', ready: false })];
    const r = await get(open, '/status');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/json');
    const rows = JSON.parse(r.body) as { name: string; cpuPercent: number | null; rssBytes: number | null; cpuSeconds: number | null }[];
    assert.deepEqual(
      rows.map((s) => [s.name, s.cpuPercent, s.rssBytes, s.cpuSeconds]),
      [
        ['db', 3.3, 52_428_800, 12.5],
        ['web', null, null, null],
      ],
    );
    for (const path of ['/status', '/metrics', '/readyz?verbose', '/livez?verbose']) {
      const body = (await get(open, path)).body;
      assert.ok(!body.includes('hunter2') && !body.includes('PGPASSWORD'), path);
    }
  });

  test('/metrics is Prometheus text 0.0.4 that promtool accepts', async () => {
    target.services = [svcStatus('db', { pid: 42, restarts: 2, exitSignal: 'SIGKILL' }), svcStatus('web', { state: 'stopped', failed: true, pid: null, ready: false, exitCode: 3 })];
    const r = await get(open, '/metrics');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'text/plain; version=0.0.4; charset=utf-8');
    const lines = r.body.split('\n');
    for (const want of [
      'dinit_service_up{service="db"} 1',
      'dinit_service_up{service="web"} 0',
      'dinit_service_ready{service="web"} 0',
      'dinit_service_state{service="web",state="failed"} 1',
      'dinit_service_state{service="web",state="stopped"} 0',
      'dinit_service_restarts_total{service="db"} 2',
      'dinit_service_last_exit_code{service="db"} 137',
      'dinit_service_last_exit_code{service="web"} 3',
      'dinit_service_cpu_seconds_total{service="db"} 12.5',
      'dinit_service_memory_bytes{service="db"} 52428800',
      'dinit_service_health_failures_total{service="web"} 2',
      'dinit_output_dropped_lines_total{service="db"} 7',
      '# TYPE dinit_service_restarts_total counter',
      '# TYPE process_resident_memory_bytes gauge',
      'process_cpu_seconds_total 2',
      'process_open_fds 21',
    ]) {
      assert.ok(lines.includes(want), `missing: ${want}\n${r.body}`);
    }
    // No figures for a service with no process.
    assert.ok(!r.body.includes('dinit_service_memory_bytes{service="web"}'));
    const check = promtool(r.body);
    assert.equal(check.status, 0, check.out);
  });

  test('label values are escaped as the format says', () => {
    assert.equal(labelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
    const text = renderMetrics([svcStatus('we"ird')], {}, new FakeTarget().counterValues);
    assert.ok(text.includes('dinit_service_up{service="we\\"ird"} 1'));
  });

  test('without control every method other than GET gets 403, and GET of an unknown path 404', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await get(open, '/services/db/restart', { method, headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(r.status, 403, method);
      assert.match(r.body, /options\.http\.control: true and options\.http\.token-file/);
    }
    assert.equal((await get(open, '/nope')).status, 404);
    assert.equal(target.calls.filter((c) => c.verb === 'restart').length, 0);
  });

  test('with control, POST /services/NAME/restart needs the bearer token, then restarts and answers the result', async () => {
    target.services = [svcStatus('db', { pid: 42 }), svcStatus('web', { pid: 43 })];
    target.calls = [];
    assert.equal((await get(ctl, '/services/db/restart', { method: 'POST' })).status, 401);
    assert.equal((await get(ctl, '/services/db/restart', { method: 'POST', headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status, 401);
    assert.equal(target.calls.filter((c) => c.verb === 'restart').length, 0);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const r = await get(ctl, '/services/db/restart', { method: 'POST', headers: auth });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { ok: true, failures: [] });
    assert.deepEqual(target.calls.find((c) => c.verb === 'restart')?.args, [['db'], true]);
    for (const verb of ['start', 'stop'] as const) {
      assert.equal((await get(ctl, `/services/web/${verb}`, { method: 'POST', headers: auth })).status, 200);
      assert.deepEqual(target.calls.find((c) => c.verb === verb)?.args, [['web'], true]);
    }
    assert.equal((await get(ctl, '/services/nope/restart', { method: 'POST', headers: auth })).status, 404);
    assert.equal((await get(ctl, '/services/db/explode', { method: 'POST', headers: auth })).status, 404);
    target.opResult = { ok: false, failures: [{ service: 'db', reason: 'exec failed' }] };
    const failed = await get(ctl, '/services/db/start', { method: 'POST', headers: auth });
    target.opResult = { ok: true, failures: [] };
    assert.equal(failed.status, 409);
    assert.deepEqual((JSON.parse(failed.body) as { failures: unknown }).failures, [{ service: 'db', reason: 'exec failed' }]);
  });

  test('an address in use is a HTTP_LISTEN error naming the address and why', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      await assert.rejects(
        startHttpEndpoint(new FakeTarget(), { host: '127.0.0.1', port, control: false, token: null }),
        (e: unknown) =>
          e instanceof DinitError && e.code === 'HTTP_LISTEN' && e.message === `options.http: cannot listen on 127.0.0.1:${port}: the address is in use (another dinit, or another program, listens there)`,
      );
    } finally {
      busy.close();
    }
  });
});
