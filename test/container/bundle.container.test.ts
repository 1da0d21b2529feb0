// The portable bundle /opt/dinit (`docker build --target bundle`) copied into
// images that lack what dinit's own image has: one without Node
// (test/container/images/no-node) and one without even a shell
// (images/no-shell: FROM scratch + the C libraries Node links).

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DOCKER, dockerOk, exec, IMAGES, logs, remove, runDetached, skip, uniqueName, until, waitExit, waitStarted } from './docker.js';

const run = promisify(execFile);
const containers: string[] = [];
after(async () => {
  await Promise.all(containers.map(remove));
});

async function start(what: string, image: string, runArgs: string[] = []): Promise<string> {
  const name = uniqueName(what);
  containers.push(name);
  return runDetached(name, runArgs, image);
}

describe('the portable bundle', { skip, concurrency: 2 }, () => {
  it('is only /opt/dinit: a launcher, its Node, the one-file client, the bundled JavaScript and koffi for glibc and musl', async () => {
    const ctr = uniqueName('bundle-files');
    containers.push(ctr);
    await dockerOk(['create', '--name', ctr, '--label', 'dinit-container-test=1', IMAGES.bundle, 'none']);
    // `docker export` streams the filesystem as a tar: its names are enough.
    const { stdout: tar } = await run('sh', ['-c', `${DOCKER} export ${ctr} | tar -t`], { maxBuffer: 16 << 20 });
    for (const path of [
      'opt/dinit/bin/dinit',
      'opt/dinit/node/bin/node',
      'opt/dinit/lib/dinit.js',
      'opt/dinit/lib/client.cjs',
      'opt/dinit/lib/client-verbs.cjs',
      'opt/dinit/lib/client-v', // client-vX.Y.Z.cache: the code cache for the bundled Node
      'opt/dinit/lib/supervise.cjs',
      'opt/dinit/lib/supervise-v', // supervise-vX.Y.Z.cache: made by running this bundle's supervisor
      'opt/dinit/bin/package.json',
      'opt/dinit/lib/exec-as.js',
      'opt/dinit/lib/package.json',
      'opt/dinit/lib/schema/dinit.schema.json',
      'opt/dinit/lib/node_modules/koffi/package.json',
      'linux_x64/koffi.node',
      'musl_x64/koffi.node',
    ]) {
      assert.ok(tar.includes(path), `${path} is in the bundle`);
    }
  });

  it('supervises, answers `dinit status` and reaps in an image without Node', async () => {
    const ctr = await start('no-node', IMAGES.noNode);
    const which = await exec(ctr, ['sh', '-c', 'command -v node || echo none']);
    assert.equal(which.stdout.trim(), 'none');
    await waitStarted(ctr, ['store', 'app']);
    const cmdline = (await dockerOk(['exec', ctr, 'cat', '/proc/1/cmdline'])).split('\0').join(' ');
    assert.match(cmdline, /^\/opt\/dinit\/node\/bin\/node \/opt\/dinit\/bin\/dinit/);
    const orphan = Number(/app\s*\| orphan (\d+)/.exec(await logs(ctr))?.[1]);
    assert.ok(orphan > 0);
    await until('the orphan reaped', async () => ((await exec(ctr, ['test', '!', '-e', `/proc/${orphan}`])).code === 0 ? true : undefined), 15_000, 150);
    const version = await dockerOk(['exec', ctr, 'dinit', '--version']);
    assert.match(version, /^dinit \d+\.\d+\.\d+/);
    await dockerOk(['stop', '-t', '10', ctr], { timeoutMs: 20_000 });
    assert.equal(await waitExit(ctr), 0);
  });

  it('starts through its #! line in an image with no shell at all', async () => {
    const ctr = await start('no-shell', IMAGES.noShell);
    assert.notEqual((await exec(ctr, ['/bin/sh', '-c', 'true'])).code, 0, 'there is no /bin/sh');
    await waitStarted(ctr, ['ticker'], 30_000, '/opt/dinit/bin/dinit');
    const table = await dockerOk(['exec', ctr, '/opt/dinit/bin/dinit', 'status']);
    assert.match(table, /^ticker\s+started/m);
    await dockerOk(['stop', '-t', '10', ctr], { timeoutMs: 20_000 });
    assert.equal(await waitExit(ctr), 0);
    assert.doesNotMatch(await logs(ctr), /cannot load koffi|cannot load the C library/);
  });
});
