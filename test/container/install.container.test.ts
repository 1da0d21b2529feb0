// Installing as the README says, the packed-tarball route: `npm pack` of the
// checkout, `npm install -g` of it in a clean Node image (built by
// scripts/container-test.sh as dinit-test/npm-pack). The checkout and git URL
// routes are checked outside a container by test/install/install-paths.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { docker, IMAGES, LABEL, skip } from './docker.js';

describe('npm install -g of the npm pack tarball', { skip }, () => {
  it("gives a working dinit: main runs as PID 1 and its exit code is the container's", async () => {
    const r = await docker(['run', '--rm', '--label', LABEL, IMAGES.npmPack, '--', 'sh', '-c', 'echo "pid $$"; exit 3'], { timeoutMs: 60_000 });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /main\s+\| pid \d+/);
    assert.match(r.stdout, /\[dinit\] exiting with code 3/);
  });

  it('has the client verbs and the schema', async () => {
    const r = await docker(['run', '--rm', '--label', LABEL, '--entrypoint', 'dinit', IMAGES.npmPack, 'schema'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"\$schema"/);
  });
});
