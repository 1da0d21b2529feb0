// options.http through the real binary: probes that follow the services,
// /metrics as Prometheus' own tools read it, control with a token, and a
// listen failure that starts nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startDinit, writeConfig, makeTmpDir } from '../helpers/dinit-process.js';
import { freePort } from '../helpers/ports.js';
import type { ServiceStatus } from '../../src/types.js';
import { fixture, sh, failed, waitStarted } from './support.js';

async function get(port: number, path: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, init);
  return { status: r.status, body: await r.text() };
}

test('/readyz and /livez turn 503 naming a service that failed for good; /metrics passes promtool; /status is dinit status --json', async (t) => {
  const dir = makeTmpDir();
  const port = await freePort();
  const die = join(dir, 'die');
  const closed = await freePort(); // nothing listens: every health probe of sick fails
  const config = writeConfig(
    dir,
    `options:
  http: "127.0.0.1:${port}"
services:
  web:
    command: ${fixture('long-running.js', 'web')}
  job:
    command: ${sh(`while [ ! -e '${die}' ]; do sleep 0.05; done; exit 3`)}
    restart-limit: { count: 0 }
  sick:
    command: ${fixture('long-running.js', 'sick')}
    health: { tcp: ${closed}, interval: 100ms, retries: 1000 }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(/^\[dinit\] http: listening on 127\.0\.0\.1:\d+/);
  await waitStarted(d, 'web');
  await waitStarted(d, 'job');
  await waitStarted(d, 'sick');

  assert.deepEqual(await get(port, '/readyz'), { status: 200, body: 'ok\n' });
  assert.deepEqual(await get(port, '/livez'), { status: 200, body: 'ok\n' });

  const metrics = await get(port, '/metrics');
  assert.equal(metrics.status, 200);
  const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics.body, encoding: 'utf8' });
  assert.ok(!check.error, 'promtool is needed (apt-get install prometheus; .ci/run installs it)');
  assert.equal(check.status, 0, check.stdout + check.stderr + metrics.body);
  const rss = /^dinit_service_memory_bytes\{service="web"\} (\d+)$/m.exec(metrics.body);
  assert.ok(rss && Number(rss[1]) > 1_000_000, `web's memory: ${metrics.body}`);
  assert.match(metrics.body, /^dinit_service_cpu_seconds_total\{service="web"\} [\d.]+$/m);
  assert.match(metrics.body, /^process_resident_memory_bytes \d+$/m);
  assert.match(metrics.body, /^dinit_service_health_failures_total\{service="web"\} 0$/m);
  // Each failed attempt counts (the service stays up: retries is far off).
  const deadline = performance.now() + 15_000;
  for (;;) {
    const m = /^dinit_service_health_failures_total\{service="sick"\} (\d+)$/m.exec((await get(port, '/metrics')).body);
    if (m && Number(m[1]) >= 2) break;
    if (performance.now() > deadline) assert.fail(`sick's health failures never reached 2\n${d.dump()}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  // /status and `dinit status --json` are one story (resource figures and sick's probe count aside: they move between the two asks).
  const strip = (rows: ServiceStatus[]) => rows.map(({ cpuPercent: _c, rssBytes: _r, cpuSeconds: _s, statusText: _t, ...rest }) => rest);
  const http = JSON.parse((await get(port, '/status')).body) as ServiceStatus[];
  const cli = await d.cli(['status', '--json']);
  assert.deepEqual(strip(http), strip(JSON.parse(cli.stdout) as ServiceStatus[]));
  assert.ok(http.every((s) => typeof s.rssBytes === 'number' && typeof s.cpuSeconds === 'number'));

  writeFileSync(die, '');
  await d.waitForLine(failed('job'));
  const ready = await get(port, '/readyz');
  assert.equal(ready.status, 503);
  assert.match(ready.body, /^job: failed \(/);
  assert.equal((await get(port, '/livez')).status, 503);
  assert.match((await get(port, '/readyz?verbose')).body, /^\[\+\]web ok\n\[-\]job: failed .*\n\[\+\]sick ok\nreadyz check failed\n$/);
  const after = await get(port, '/metrics');
  assert.match(after.body, /^dinit_service_state\{service="job",state="failed"\} 1$/m);
  assert.match(after.body, /^dinit_service_last_exit_code\{service="job"\} 3$/m);
});

test('control over HTTP: 403 without control, 401 without the token, and with it POST restart gives the service a new process', async (t) => {
  const dir = makeTmpDir();
  const port = await freePort();
  const token = 'abcdefghijklmnopqrstuvwxyz012345';
  writeFileSync(join(dir, 'token'), token + '\n');
  const config = writeConfig(
    dir,
    `options:
  http: { listen: "127.0.0.1:${port}", control: true, token-file: token }
services:
  web:
    command: ${fixture('long-running.js', 'web')}
`,
  );
  const d = await startDinit({ config, dir, t });
  const first = await waitStarted(d, 'web');
  assert.equal((await get(port, '/services/web/restart', { method: 'POST' })).status, 401);
  assert.equal(d.indexOf(/web stopping/), -1);
  const r = await get(port, '/services/web/restart', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(JSON.parse(r.body), { ok: true, failures: [] });
  const second = await waitStarted(d, 'web', { from: first.index + 1 });
  assert.notEqual(second.pid, first.pid);
});

test('an http address already in use: dinit exits 2 with the address and why, and starts nothing', async (t) => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  t.after(() => busy.close());
  const port = (busy.address() as { port: number }).port;
  const dir = makeTmpDir();
  const config = writeConfig(dir, `options:\n  http: "127.0.0.1:${port}"\nservices:\n  web:\n    command: ${fixture('long-running.js', 'web')}\n`);
  const d = await startDinit({ config, dir, t });
  const st = await d.exited();
  assert.equal(st.code, 2, d.dump());
  assert.ok(
    d.lines('stderr').some((l) => l === `dinit: options.http: cannot listen on 127.0.0.1:${port}: the address is in use (another dinit, or another program, listens there)`),
    d.dump(),
  );
  assert.equal(d.indexOf(/web started/), -1, d.dump());
});

const havePrometheus = spawnSync('prometheus', ['--version']).status === 0;

test('a real Prometheus server scrapes /metrics', { skip: havePrometheus ? false : 'prometheus is not installed (.ci/run installs it)' }, async (t) => {
  const dir = makeTmpDir();
  const port = await freePort();
  const promPort = await freePort();
  const config = writeConfig(dir, `options:\n  http: "127.0.0.1:${port}"\nservices:\n  web:\n    command: ${fixture('long-running.js', 'web')}\n`);
  const d = await startDinit({ config, dir, t });
  await waitStarted(d, 'web');
  writeFileSync(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: dinit\n    static_configs: [{ targets: ["127.0.0.1:${port}"] }]\n`);
  const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  prom.stderr.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  t.after(() => {
    prom.kill('SIGKILL');
  });
  const deadline = performance.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('dinit_service_up{service="web"}')}`);
      const body = (await r.json()) as { data?: { result?: { value: [number, string]; metric: { job: string } }[] } };
      const res = body.data?.result?.[0];
      if (res) {
        assert.equal(res.value[1], '1');
        assert.equal(res.metric.job, 'dinit');
        break;
      }
    } catch {
      // not up yet
    }
    if (performance.now() > deadline) assert.fail(`Prometheus never had dinit_service_up\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // The target is healthy in Prometheus' own view (its parser accepted every line).
  const targets = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
  assert.deepEqual(
    targets.data.activeTargets.map((x) => [x.health, x.lastError]),
    [['up', '']],
  );
});

test("as PID 1 of a new PID namespace, the endpoint answers and counts a service's workers in its memory", async (t) => {
  const dir = makeTmpDir();
  const port = await freePort();
  const config = writeConfig(dir, `options:\n  http: "127.0.0.1:${port}"\nservices:\n  web:\n    command: ${sh('sleep 1000 & sleep 1000 & wait')}\n  solo:\n    command: [sleep, "1000"]\n`);
  const d = await startDinit({ config, dir, t, pidns: true });
  await waitStarted(d, 'web');
  await waitStarted(d, 'solo');
  assert.deepEqual(await get(port, '/livez'), { status: 200, body: 'ok\n' });
  const deadline = performance.now() + 15_000;
  for (;;) {
    const rows = JSON.parse((await get(port, '/status')).body) as (ServiceStatus & { rssBytes: number })[];
    const web = rows.find((s) => s.name === 'web');
    const solo = rows.find((s) => s.name === 'solo');
    // web is sh and two sleeps; solo one sleep: web's group holds more memory.
    if (web && solo && web.rssBytes > solo.rssBytes * 2) break;
    if (performance.now() > deadline) assert.fail(`web's memory never covered its workers: ${JSON.stringify(rows)}\n${d.dump()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});
