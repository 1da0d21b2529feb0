// The examples/ images, built from their own Dockerfiles by the suite's
// script, run the way their READMEs say: what a user would see.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { docker, dockerOk, IMAGES, LABEL, logs, remove, runDetached, skip, uniqueName, waitExit, waitForLog, waitHealth, waitStarted } from './docker.js';

const containers: string[] = [];
after(async () => {
  await Promise.all(containers.map(remove));
});

async function start(what: string, image: string, runArgs: string[] = [], cmd: string[] = []): Promise<string> {
  const name = uniqueName(what);
  containers.push(name);
  return runDetached(name, runArgs, image, cmd);
}

/** `docker exec CTR node -e "fetch(url)"`: the body, from inside the container's network. */
async function get(ctr: string, url: string, execArgs: string[] = []): Promise<string> {
  const js = `fetch(${JSON.stringify(url)}, {}).then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); })`;
  return dockerOk(['exec', ...execArgs, ctr, 'node', '-e', js]);
}

describe('examples/ in a real Docker engine', { skip, concurrency: 3 }, () => {
  it('sidecars: the CMD is main and its exit code becomes the container’s', async () => {
    const ok = await start('sidecars-0', IMAGES.sidecars);
    const three = await start('sidecars-3', IMAGES.sidecars, ['-e', 'JOB_EXIT=3', '-e', 'JOB_SECONDS=0.5']);
    const cmd = await start('sidecars-cmd', IMAGES.sidecars, [], ['sh', '-c', 'exit 7']);
    assert.equal(await waitExit(three), 3);
    assert.equal(await waitExit(cmd), 7);
    assert.equal(await waitExit(ok), 0);
    const text = await logs(ok);
    assert.match(text, /\[dinit\] metrics started/);
    assert.match(text, /job: done, exit 0/);
    assert.match(text, /\[dinit\] heartbeat stopped/, 'sidecars are stopped after main exits');
  });

  it('nonroot-readonly: runs with --read-only --user 65534 --cap-drop ALL, socket on the /tmp tmpfs', async () => {
    const ctr = await start('nonroot', IMAGES.nonroot, ['--read-only', '--tmpfs', '/tmp', '--user', '65534', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges']);
    await waitStarted(ctr, ['app', 'janitor']);
    const st = await dockerOk(['exec', ctr, 'sh', '-c', 'id -u; stat -c %U /tmp/dinit.sock; grep CapEff /proc/1/status; touch /etc/x 2>&1 || true']);
    assert.match(st, /^65534$/m);
    assert.match(st, /CapEff:\s*0+$/m);
    assert.match(st, /Read-only file system/);
    assert.match(await get(ctr, 'http://127.0.0.1:8080/'), /hit 1, uid 65534/);
    await dockerOk(['stop', '-t', '10', ctr], { timeoutMs: 20_000 });
    assert.equal(await waitExit(ctr), 0);
  });

  it('nonroot-readonly with no DINIT_SOCKET, a read-only root and --tmpfs /run: a docker exec with no environment finds the socket', async () => {
    // DINIT_SOCKET= (empty) undoes the image's ENV: dinit looks in its documented places, read-only root and all.
    const ctr = await start('nonroot-run', IMAGES.nonroot, ['-e', 'DINIT_SOCKET=', '--read-only', '--tmpfs', '/run', '--user', '65534', '--cap-drop', 'ALL']);
    await waitStarted(ctr, ['app', 'janitor']);
    // Docker's --tmpfs /run is root's (0755): uid 65534 passes over it, and /tmp on the read-only root, to /dev/shm.
    assert.match(await logs(ctr), /\[dinit\] control socket (\/run|\/dev\/shm)\/dinit-65534\/dinit\.sock/);
    assert.match(await dockerOk(['exec', '-e', 'DINIT_SOCKET=', ctr, 'dinit', 'status']), /^app\s+started/m);
    assert.equal((await docker(['exec', '-e', 'DINIT_SOCKET=', ctr, 'dinit', 'health'])).code, 0);
    await dockerOk(['stop', '-t', '10', ctr], { timeoutMs: 20_000 });
    assert.equal(await waitExit(ctr), 0);
  });

  it('web-redis: redis becomes ready, the migration runs once, web queues jobs the worker completes', async () => {
    const ctr = await start('web-redis', IMAGES.webRedis, ['--health-interval', '1s', '--health-start-period', '0s']);
    await waitStarted(ctr, ['redis', 'migrate', 'web', 'worker'], 45_000);
    await waitHealth(ctr, 'healthy');
    assert.match(await logs(ctr), /migrate\s*\| migrated schema 0 -> 2/);
    const js = `fetch('http://127.0.0.1:8080/jobs', { method: 'POST' }).then((r) => process.exit(r.status === 202 ? 0 : 1))`;
    await dockerOk(['exec', ctr, 'node', '-e', js]);
    await waitForLog(ctr, /worker\s*\| done: /);
    assert.match(await get(ctr, 'http://127.0.0.1:8080/stats'), /"done":1/);
    const ps = await dockerOk(['exec', ctr, 'dinit', 'status']);
    assert.match(ps, /^migrate\s+started/m);
  });

  it('nginx-app: nginx starts after the app is ready and proxies to it; stops first', async () => {
    const ctr = await start('nginx-app', IMAGES.nginxApp);
    await waitStarted(ctr, ['app', 'nginx']);
    assert.match(await get(ctr, 'http://127.0.0.1:8080/'), /hello from the app server .* via nginx/);
    // nginx writes its access log to /dev/stdout: that opens only because a service's stdout is a real pipe.
    await waitForLog(ctr, /^nginx\s*\| .*"GET \/ HTTP\/1\.1" 200/m, 10_000);
    await dockerOk(['stop', '-t', '10', ctr], { timeoutMs: 20_000 });
    assert.equal(await waitExit(ctr), 0);
    const text = await logs(ctr);
    assert.ok(text.indexOf('[dinit] nginx stopped') < text.indexOf('[dinit] app stopped'), text);
  });

  it('every example image passes `dinit check` of its own dinit.yaml, without warnings', async () => {
    for (const image of [IMAGES.sidecars, IMAGES.nonroot, IMAGES.webRedis, IMAGES.nginxApp]) {
      const r = await docker(['run', '--rm', '--label', LABEL, image, 'check']);
      assert.equal(r.code, 0, `${image}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stderr, /warning/, `${image}: ${r.stderr}`);
    }
  });
});
