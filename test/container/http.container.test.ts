// options.http in the project's image, dinit PID 1 of a real container: what
// a kubelet's httpGet probes and a Prometheus scrape see.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { breakFlaky, dockerOk, exec, IMAGES, remove, runDetached, skip, STEADY_AND_FLAKY, uniqueName, until, waitForLog, waitStarted } from './docker.js';

const dir = mkdtempSync(join(tmpdir(), 'dinit-ct-http-'));
const containers: string[] = [];
after(async () => {
  await Promise.all(containers.map(remove));
  rmSync(dir, { recursive: true, force: true });
});

/** GET from inside the container's network namespace: status code and body. */
async function get(ctr: string, path: string): Promise<{ status: number; body: string }> {
  const js = `fetch('http://127.0.0.1:9180${path}').then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))`;
  return JSON.parse(await dockerOk(['exec', ctr, 'node', '-e', js])) as { status: number; body: string };
}

describe('options.http in a real container', { skip }, () => {
  it('/readyz turns 503 when a service fails for good, and /metrics passes promtool', async () => {
    const cfg = join(dir, 'http.yaml');
    writeFileSync(
      cfg,
      `options:
  http: ":9180"
${STEADY_AND_FLAKY}`,
    );
    const name = uniqueName('http');
    containers.push(name);
    const ctr = await runDetached(name, ['-v', `${cfg}:/etc/dinit.yaml:ro`], IMAGES.image);
    await waitStarted(ctr, ['steady', 'flaky']);
    assert.deepEqual(await get(ctr, '/readyz'), { status: 200, body: 'ok\n' });
    assert.deepEqual(await get(ctr, '/livez'), { status: 200, body: 'ok\n' });

    const metrics = await get(ctr, '/metrics');
    assert.equal(metrics.status, 200);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics.body, encoding: 'utf8' });
    assert.ok(!check.error, 'promtool is needed (apt-get install prometheus; .ci/run installs it)');
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(metrics.body, /^dinit_service_memory_bytes\{service="steady"\} [1-9]\d*$/m);

    // Restarts do not make it unready for good: only the final failure does.
    await breakFlaky(ctr);
    await waitForLog(ctr, /\[dinit\] flaky failed/);
    const ready = await until('/readyz 503', async () => {
      const r = await get(ctr, '/readyz');
      return r.status === 503 ? r : undefined;
    });
    assert.match(ready.body, /^flaky: failed \(/);
    assert.equal((await get(ctr, '/livez')).status, 503);
    assert.match((await get(ctr, '/metrics')).body, /^dinit_service_state\{service="flaky",state="failed"\} 1$/m);
    // `dinit health` (the exec probe) agrees.
    assert.equal((await exec(ctr, ['dinit', 'health'])).code, 1);
  });
});
