// Directories dinit must make in places where none can be made: under /proc
// (procfs answers mkdir with ENOENT, and Node's recursive mkdir then loops
// forever: PID 1 froze at full CPU and lost SIGTERM), under /proc/sys, behind a
// regular file. A given --socket there is a usage error at start-up (exit 2,
// nothing started); a log.file there is given up once and dinit still exits.
// Every wait has a deadline: a regression fails instead of hanging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTmpDir, runCli, startDinit, writeConfig } from '../helpers/dinit-process.js';
import { sh, stopped, waitStarted } from './support.js';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const noEntries = (parent: string): string => `\\(${esc(parent)} takes no new entries: a virtual file system like /proc or /sys, or a broken symbolic link\\)`;

function markerConfig(dir: string): { config: string; marker: string } {
  const marker = join(dir, 'started-marker');
  return { config: writeConfig(dir, `services:\n  web: { command: ${sh(`touch ${marker}; exec sleep 100`)} }\n`), marker };
}

test('run --socket where its directory cannot be made exits 2 at once, naming the directory and the errno, and starts nothing', async (t) => {
  const dir = makeTmpDir();
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  const cases = [
    { socket: `/proc/dinit-e2e-${process.pid}/dinit.sock`, why: `ENOENT: cannot create directory /proc/dinit-e2e-${process.pid} ${noEntries('/proc')}` },
    { socket: `/proc/sys/dinit-e2e/dinit.sock`, why: `ENOENT: cannot create directory /proc/sys/dinit-e2e ${noEntries('/proc/sys')}` },
    { socket: join(file, 'sub', 'dinit.sock'), why: `ENOTDIR: ${esc(file)} is not a directory` },
  ];
  for (const c of cases) {
    const { config, marker } = markerConfig(dir);
    const d = await startDinit({ config, dir, socket: c.socket, t });
    assert.deepEqual(await d.exited(15_000), { code: 2, signal: null }, d.dump());
    const err = d.lines('stderr').join('\n');
    assert.match(err, new RegExp(`^dinit run: --socket ${esc(c.socket)}: ${c.why}; pass another --socket PATH whose directory dinit can create or owns`), d.dump());
    assert.equal(d.lines('stdout').length, 0, `nothing was started or said on stdout\n${d.dump()}`);
    assert.equal(existsSync(marker), false, 'no service process was run');
  }
});

test('DINIT_SOCKET under /proc is refused the same way, naming DINIT_SOCKET', async () => {
  const dir = makeTmpDir();
  const { config, marker } = markerConfig(dir);
  const socket = `/proc/dinit-e2e-${process.pid}/dinit.sock`;
  const r = await runCli(['run', '-c', config], { env: { ...process.env, NO_COLOR: '1', DINIT_SOCKET: socket }, cwd: dir, timeoutMs: 15_000 });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`^dinit run: DINIT_SOCKET ${esc(socket)}: ENOENT: cannot create directory /proc/dinit-e2e-${process.pid} .*; set DINIT_SOCKET to another path`));
  assert.equal(existsSync(marker), false, 'no service process was run');
});

test('a log.file under /proc is given up once with the reason, output goes on, and dinit still exits', async (t) => {
  const dir = makeTmpDir();
  const logDir = `/proc/dinit-e2e-${process.pid}`;
  const config = writeConfig(dir, `services:\n  web: { command: ${sh('echo hello; exec sleep 100')}, log: { file: ${logDir}/web.log } }\n`);
  const d = await startDinit({ config, dir, t });
  await waitStarted(d, 'web', { timeoutMs: 15_000 });
  await d.waitForLine(/^web\s+\| hello$/, { timeoutMs: 15_000 });
  await d.waitForLine(new RegExp(`^\\[dinit\\] web: cannot write log file ${esc(logDir)}/web\\.log \\(ENOENT: cannot create directory ${esc(logDir)} ${noEntries('/proc')}\\); keeping console output only$`), {
    timeoutMs: 15_000,
  });
  await d.signal('SIGTERM');
  await d.waitForLine(stopped('web'), { timeoutMs: 15_000 });
  assert.deepEqual(await d.exited(15_000), { code: 0, signal: null }, d.dump());
  assert.equal(d.lines().filter((l) => l.includes('cannot write log file')).length, 1, `reported once\n${d.dump()}`);
});
