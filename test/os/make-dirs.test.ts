// os/make-dirs.ts on the real filesystem: `mkdir -p` that always ends. The
// paths under /proc (where Node's recursive mkdir loops forever) run in a child
// process with a deadline, so a regression fails the test instead of hanging it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MakeDirError, makeDirs, makeDirsSync } from '../../src/os/make-dirs.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'dinit-mkdirs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const both = [
  ['makeDirsSync', async (p: string, mode?: number) => makeDirsSync(p, mode)],
  ['makeDirs', makeDirs],
] as const;

for (const [name, make] of both) {
  test(`${name} makes every missing level with the mode, and a directory already there is fine`, async (t) => {
    const dir = tmp(t);
    const deep = join(dir, 'a', 'b', 'c');
    await make(deep, 0o700);
    for (const p of [join(dir, 'a'), join(dir, 'a', 'b'), deep]) {
      const st = statSync(p);
      assert.ok(st.isDirectory(), p);
      assert.equal(st.mode & 0o077, 0, `${p} is private`);
    }
    await make(deep);
    await make(dir);
  });

  test(`${name}: a file in the way is ENOTDIR, naming the file`, async (t) => {
    const dir = tmp(t);
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    for (const target of [file, join(file, 'x'), join(file, 'x', 'y')]) {
      await assert.rejects(make(target), (err: unknown) => err instanceof MakeDirError && err.code === 'ENOTDIR' && err.path === file && err.message === `ENOTDIR: ${file} is not a directory`);
    }
  });

  test(`${name}: a broken symbolic link in the way is refused, naming it`, async (t) => {
    const dir = tmp(t);
    const link = join(dir, 'dangling');
    symlinkSync(join(dir, 'nowhere'), link);
    await assert.rejects(make(join(link, 'x')), (err: unknown) => {
      assert.ok(err instanceof MakeDirError);
      assert.equal(err.code, 'EEXIST');
      assert.equal(err.path, link);
      assert.match(err.message, /^EEXIST: cannot create directory .*dangling \(something is there that is not a directory: a file, or a broken symbolic link\)$/);
      return true;
    });
  });
}

test('under /proc and /proc/sys (where recursive mkdir never returns) both forms fail at once with ENOENT, naming the directory', () => {
  const url = new URL('../../src/os/make-dirs.js', import.meta.url).href;
  const script = `
    import { makeDirs, makeDirsSync } from ${JSON.stringify(url)};
    const out = [];
    for (const p of ['/proc/dinit-test-x/y', '/proc/sys/dinit-test-x']) {
      try { makeDirsSync(p); out.push('made ' + p); } catch (e) { out.push(e.code + ' ' + e.path + ' | ' + e.message); }
      try { await makeDirs(p); out.push('made ' + p); } catch (e) { out.push(e.code + ' ' + e.path + ' | ' + e.message); }
    }
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
  assert.equal(r.signal, null, `the walk did not end (killed at the deadline)\n${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as string[];
  const why = (parent: string): string => `(${parent} takes no new entries: a virtual file system like /proc or /sys, or a broken symbolic link)`;
  assert.deepEqual(out, [
    `ENOENT /proc/dinit-test-x | ENOENT: cannot create directory /proc/dinit-test-x ${why('/proc')}`,
    `ENOENT /proc/dinit-test-x | ENOENT: cannot create directory /proc/dinit-test-x ${why('/proc')}`,
    `ENOENT /proc/sys/dinit-test-x | ENOENT: cannot create directory /proc/sys/dinit-test-x ${why('/proc/sys')}`,
    `ENOENT /proc/sys/dinit-test-x | ENOENT: cannot create directory /proc/sys/dinit-test-x ${why('/proc/sys')}`,
  ]);
});
