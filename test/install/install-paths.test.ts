// Installing as the README says, from source: `npm install -g` of a bare
// checkout (no node_modules, no dist: what `COPY . /src` puts in an image),
// into a private prefix; it must give a dinit that runs. (The `npm pack`
// tarball route is checked in a clean image by the container suite:
// test/container/install.container.test.ts. The git URL route runs the same
// `prepare` in npm's clone; it is not tested here: this machine's npm 11 then
// runs koffi's install script in the deleted clone and fails.) Dependencies
// come from npm's cache when it has them (--prefer-offline).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

const haveNpm = spawnSync('npm', ['--version'], { stdio: 'ignore' }).status === 0;
const haveGit = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;

/** The checkout's tracked files (as `git ls-files` lists them), copied into a new directory. */
function bareCheckout(into: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(into, f)), { recursive: true });
    try {
      cpSync(join(repoRoot, f), join(into, f));
    } catch {
      /* deleted in the working tree */
    }
  }
}

function npmInstallGlobal(prefix: string, spec: string): void {
  const r = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', spec], {
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  assert.equal(r.status, 0, `npm install -g ${spec} failed:\n${r.stdout}\n${r.stderr}`);
}

function assertRuns(prefix: string, dir: string): void {
  const bin = join(prefix, 'bin', 'dinit');
  assert.match(execFileSync(bin, ['--version'], { encoding: 'utf8' }), /^dinit \d/);
  const r = spawnSync(bin, ['run', '--socket', join(dir, 's.sock'), '--', 'sh', '-c', 'echo installed-ok; exit 5'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 5, r.stdout + r.stderr);
  assert.match(r.stdout, /main\s+\| installed-ok/);
}

test('npm install -g /path/to/a/bare/checkout builds dist/lib and gives a working dinit', { skip: (!haveNpm || !haveGit) && 'needs npm and git', timeout: 300_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dinit-install-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'dinit');
  bareCheckout(src);
  npmInstallGlobal(join(dir, 'prefix'), src);
  assertRuns(join(dir, 'prefix'), dir);
});
