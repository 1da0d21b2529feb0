import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWaitStatus, libc, libcCandidates, waitNoHang } from '../../src/os/libc.js';
import { parseStat } from '../../src/os/proc.js';
import { becomeSubreaper, isPid1 } from '../../src/os/subreaper.js';

describe('libc', () => {
  it('loads the C library by name and calls into it', () => {
    assert.equal(libc().getpid(), process.pid);
    assert.ok(libcCandidates('x64').includes('libc.so.6'));
    assert.ok(libcCandidates('arm64').includes('/lib/ld-musl-aarch64.so.1'));
  });

  it('exitAtOnce ends with the code, and still lets a profiler write its profile at exit', () => {
    const lib = new URL('../../src/os/libc.js', import.meta.url).href;
    const script = `import(${JSON.stringify(lib)}).then((m) => m.exitAtOnce(3))`;
    const env = { ...process.env };
    delete env['NODE_V8_COVERAGE']; // as in production: the _exit path
    assert.equal(spawnSync(process.execPath, ['-e', script], { env }).status, 3);
    const dir = mkdtempSync(join(tmpdir(), 'dinit-prof-'));
    assert.equal(spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '-e', script], { env }).status, 3);
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).length, 1, '--cpu-prof wrote its profile');
  });

  it('decodes wait statuses', () => {
    assert.deepEqual(decodeWaitStatus(0), { code: 0, signal: null, signo: null });
    assert.deepEqual(decodeWaitStatus(42 << 8), { code: 42, signal: null, signo: null });
    assert.deepEqual(decodeWaitStatus(9), { code: null, signal: 'SIGKILL', signo: 9 });
    assert.deepEqual(decodeWaitStatus(15 | 0x80), { code: null, signal: 'SIGTERM', signo: 15 });
  });

  it('waitNoHang never touches a process that is not our child', async () => {
    assert.deepEqual(waitNoHang(1), { kind: 'not-child' });
    assert.throws(() => waitNoHang(-1), /refusing/);
    assert.throws(() => waitNoHang(0), /refusing/);
  });

  it('becomes a subreaper when asked (not PID 1 here)', () => {
    assert.equal(isPid1(), false);
    // In a short-lived child, so the test runner itself never adopts orphans.
    const c = spawn(process.execPath, ['--input-type=module', '-e', `import('${new URL('../../src/os/subreaper.js', import.meta.url).href}').then(m => process.exit(m.becomeSubreaper() ? 0 : 1))`]);
    return new Promise<void>((resolve) =>
      c.on('exit', (code) => {
        assert.equal(code, 0);
        resolve();
      }),
    );
  });

  it('exposes becomeSubreaper without throwing', () => {
    assert.equal(typeof becomeSubreaper, 'function');
  });
});

describe('proc stat parsing', () => {
  it('finds the real end of a command name containing ") " and spaces', () => {
    const text = '123 (evil) Z 1 2) S 1 123 123 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 98765 0 0';
    const st = parseStat(text)!;
    assert.equal(st.comm, 'evil) Z 1 2');
    assert.equal(st.state, 'S');
    assert.equal(st.ppid, 1);
    assert.equal(st.pgrp, 123);
    assert.equal(st.session, 123);
    assert.equal(st.starttime, 98765);
  });
});
