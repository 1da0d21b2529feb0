// Health checks through the real binary. The web service is http-sick-file.js:
// it answers 503 while a file exists, so the test decides when it falls ill
// and when it recovers — and a restarted instance stays sick (never ready)
// until the test says otherwise, which holds the service in `starting` long
// enough to ask `dinit health` without racing the restart. The failing-for-
// good case uses http-503-then-200 (turns 503 after K good answers) with a
// restart-limit of 0, so the first unhealthy verdict is final.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDinit, writeConfig, makeTmpDir } from '../helpers/dinit-process.js';
import { fixture, ev, out, started, waitStarted, restarting, at, count, statusOf, waitStatus } from './support.js';
import { freePort } from '../helpers/ports.js';

test('a service whose health check keeps failing is restarted like a crash: dependents roll back and come back with it', async (t) => {
  const dir = makeTmpDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/health`;
  const sick = join(dir, 'sick');
  const config = writeConfig(
    dir,
    `services:
  web:
    command: ${fixture('http-sick-file.js', '--port', port, '--sick', sick)}
    ready: { http: "${url}", interval: 50ms }
    health: { http: "${url}", interval: 100ms, retries: 2 }
  app:
    command: ${fixture('long-running.js', 'app')}
    depends-on: [web]
`,
  );
  const d = await startDinit({ config, dir, t });
  const web1 = await waitStarted(d, 'web');
  await d.waitForLine(out('app', 'up app'));
  const healthy = await waitStatus(d, 'web', (s) => s.health === 'healthy');
  assert.equal(healthy.state, 'started');
  assert.equal((await d.cli(['health'])).code, 0, d.dump());

  // Fall ill: two failed checks in a row make it unhealthy.
  const mark = d.mark();
  writeFileSync(sick, '');
  await d.waitForLine(ev('web', 'unhealthy: .*503'), { from: mark });
  await d.waitForLine(ev('app', 'stopping \\(dependency web stopped\\)'), { from: mark });
  await d.waitForLine(out('app', 'bye app'), { from: mark });
  await d.waitForLine(restarting('web'), { from: mark });
  await d.waitForLine(ev('web', `spawned \\(pid (?!${web1.pid}\\))\\d+\\), waiting for readiness \\(http\\)`), { from: mark });

  // Down: the new instance is sick too, so it stays starting and app stays stopped.
  await waitStatus(d, 'web', (s) => s.state === 'starting');
  assert.equal((await statusOf(d, 'app')).state, 'stopped');
  const down = await d.cli(['health']);
  assert.equal(down.code, 1, `dinit health while web is down: ${down.stdout}${down.stderr}\n${d.dump()}`);
  assert.match(down.stderr, /web/);
  assert.equal(count(d, started('app'), mark), 0, d.dump());

  // Recover: web becomes ready again and brings app back.
  const back = d.mark();
  rmSync(sick);
  const web2 = await waitStarted(d, 'web', { from: back });
  assert.notEqual(web2.pid, web1.pid);
  await waitStarted(d, 'app', { from: web2.index });
  await d.waitForLine(out('app', 'up app'), { from: back });
  const s = await waitStatus(d, 'web', (x) => x.state === 'started');
  assert.equal(s.restarts, 1);
  const up = await d.cli(['health']);
  assert.equal(up.code, 0, `${up.stdout}${up.stderr}\n${d.dump()}`);
});

test('a service that turns unhealthy past its restart-limit is failed: status says why and dinit health exits 1', async (t) => {
  const dir = makeTmpDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = writeConfig(
    dir,
    `services:
  web:
    command: ${fixture('http-503-then-200.js', '--port', port, '--fail-after', 3)}
    ready: { http: "${url}", interval: 50ms }
    health: { http: "${url}", interval: 50ms, retries: 2 }
    restart-limit: { count: 0, interval: 10s }
  app:
    command: ${fixture('long-running.js', 'app')}
    depends-on: [web]
  other:
    command: ${fixture('long-running.js', 'other')}
`,
  );
  const d = await startDinit({ config, dir, t });
  await waitStarted(d, 'app');
  const unhealthy = await d.waitForEntry(ev('web', 'unhealthy: health check failed 2 times'));
  await d.waitForLine(ev('web', 'failed: .*restart-limit'), { from: unhealthy.index });
  await d.waitForLine(ev('app', 'stopping \\(dependency web failed\\)'), { from: unhealthy.index });
  await d.waitForLine(ev('app', 'stopped'), { from: unhealthy.index });
  // Only a failure, no restart.
  assert.equal(count(d, ev('web', 'spawned')), 1, d.dump());

  const web = await waitStatus(d, 'web', (s) => s.failed);
  assert.equal(web.state, 'stopped');
  assert.match(web.reason ?? '', /restart-limit/);
  // Why it really went down is kept next to the reason.
  assert.match(web.statusText ?? '', /health check failed/);
  const h = await d.cli(['health']);
  assert.equal(h.code, 1, `${h.stdout}${h.stderr}`);
  assert.match(h.stderr, /web/);
  at(d, started('other'));
});

test('dinit health --live passes through crash recovery and a requested stop, which --ready (the default) fails; a failure for good fails both', async (t) => {
  const dir = makeTmpDir();
  const config = writeConfig(
    dir,
    `services:
  flaky:
    command: [sh, -c, 'echo up; if [ -e crashed ]; then exec sleep 300; fi; touch crashed; exit 1']
    restart-delay: 60s
  once:
    command: [sh, -c, 'exit 4']
    restart: never
    auto-start: false
`,
  );
  const d = await startDinit({ t, dir, config });
  await d.waitForLine(ev('flaky', 'restarting in'), { timeoutMs: 10000 }); // healing itself: 60 s restart-delay
  const code = async (...args: string[]): Promise<number | null> => (await d.cli(['health', ...args])).code;
  assert.equal(await code('--live'), 0, 'recovering is alive');
  assert.equal(await code(), 1, 'recovering is not ready');
  assert.equal(await code('--ready'), 1);
  assert.equal((await d.cli(['stop', 'flaky'])).code, 0, d.dump()); // cancels the pending restart
  assert.equal((await d.cli(['start', 'flaky'])).code, 0, d.dump());
  assert.equal(await code(), 0, d.dump());
  assert.equal((await d.cli(['stop', 'flaky'])).code, 0);
  const stoppedReady = await d.cli(['health']);
  assert.equal(stoppedReady.code, 1, 'an auto-start service stopped by request: not ready');
  assert.match(stoppedReady.stderr, /flaky: stopped/);
  assert.equal(await code('--live'), 0, 'but alive');
  await d.cli(['start', 'once']);
  await d.waitForLine(ev('once', 'failed'), { timeoutMs: 10000 });
  const dead = await d.cli(['health', '--live']);
  assert.equal(dead.code, 1, 'failed for good: not alive');
  assert.match(dead.stderr, /once: failed \(exited with code 4\)/);
  assert.equal((await d.cli(['health', '--live', '--ready'])).code, 2, 'one question at a time');
});
