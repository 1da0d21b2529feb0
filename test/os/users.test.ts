import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveUser } from '../../src/os/users.js';
import { DinitError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dinit-os-users-'));
const files = { passwd: join(dir, 'passwd'), group: join(dir, 'group') };
writeFileSync(
  files.passwd,
  ['root:x:0:0:root:/root:/bin/bash', '# a comment', 'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin', 'app:x:1000:1000:App User,,,:/home/app:/bin/sh', 'broken line', ''].join('\n'),
);
writeFileSync(files.group, ['root:x:0:', 'www-data:x:33:', 'app:x:1000:', 'docker:x:999:app,other', 'video:x:44:www-data, app', 'staff:x:50:'].join('\n'));
const missing = { passwd: join(dir, 'none-passwd'), group: join(dir, 'none-group') };

describe('resolveUser', () => {
  it('resolves a name with its primary group, supplementary groups and home', () => {
    assert.deepEqual(resolveUser('app', files), { uid: 1000, gid: 1000, groups: [1000, 999, 44], name: 'app', home: '/home/app' });
    assert.deepEqual(resolveUser('www-data', files), { uid: 33, gid: 33, groups: [33, 44], name: 'www-data', home: '/var/www' });
  });

  it('resolves a numeric uid that has a passwd entry like its name', () => {
    assert.deepEqual(resolveUser('33', files), resolveUser('www-data', files));
  });

  it('accepts a numeric uid without a passwd entry, with gid = uid and no supplementary groups', () => {
    assert.deepEqual(resolveUser('4321', files), { uid: 4321, gid: 4321, groups: [] });
    assert.deepEqual(resolveUser('4321:77', missing), { uid: 4321, gid: 77, groups: [] });
  });

  it('takes the group from name:group and uid:gid', () => {
    assert.deepEqual(resolveUser('app:staff', files), { uid: 1000, gid: 50, groups: [50, 999, 44], name: 'app', home: '/home/app' });
    assert.equal(resolveUser('1000:44', files).gid, 44);
    assert.equal(resolveUser('www-data:0', files).gid, 0);
  });

  it('names the file when a user or group does not exist', () => {
    assert.throws(
      () => resolveUser('nobody-here', files),
      (e: unknown) => e instanceof DinitError && e.message === `unknown user 'nobody-here' (not in ${files.passwd})`,
    );
    assert.throws(() => resolveUser('app:nogroup', files), { message: `unknown group 'nogroup' (not in ${files.group})` });
    assert.throws(() => resolveUser('app', missing), { message: `unknown user 'app' (${missing.passwd} cannot be read (ENOENT))` });
  });

  it('rejects malformed specs', () => {
    for (const spec of ['', ':', 'a:b:c', 'app:', '99999999999']) {
      assert.throws(() => resolveUser(spec, files), /invalid user spec/, spec);
    }
  });
});
