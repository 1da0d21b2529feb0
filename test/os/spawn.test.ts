import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describeSpawnError } from '../../src/os/spawn-errors.js';
import { killGroup, killTree, sessionLeftovers, sessionMembers, sessionWalks } from '../../src/os/kill.js';
import { childPids, readStat } from '../../src/os/proc.js';
import { children, watch, type Exit, type Watched } from '../helpers/host.js';

const PATH = process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin';
const env = { PATH };
const isRoot = process.getuid?.() === 0;

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const spawnService = (req: Parameters<typeof watch>[0]): Watched => watch(req);
const exited = (c: Watched): Promise<Exit> => c.exited;
const spawnError = (c: Watched): Promise<NodeJS.ErrnoException> => c.failed;
const output = (c: Watched): Promise<string> => c.output();
const isSpawnedChild = (pid: number): boolean => children.owns(pid);
/** posix_spawn'd (reaped by children.ts), not spawned by Node (reaped by libuv). */
const byPosixSpawn = (c: Watched): boolean => children.collectsItself(c.child.pid!);

/** Gone or a zombie: the process no longer runs. */
const dead = (pid: number): boolean => {
  const st = readStat(pid);
  return st === null || st.state === 'Z';
};

describe('spawning through the ProcessHost', () => {
  it('puts each service in its own session and process group', async () => {
    const c = spawnService({ command: ['sleep', '10'], env });
    const pid = c.child.pid!;
    const st = readStat(pid)!;
    assert.equal(st.session, pid);
    assert.equal(st.pgrp, pid);
    assert.equal(isSpawnedChild(pid), true);
    killGroup(pid, 'SIGKILL');
    assert.deepEqual(await exited(c), { code: null, signal: 'SIGKILL' });
    assert.equal(isSpawnedChild(pid), false);
  });

  it('gives the service real pipes for stdout and stderr, so /dev/stdout and /dev/stderr can be opened', async () => {
    for (const umask of [undefined, 0o022]) {
      const c = spawnService({
        command: ['sh', '-c', 'echo out > /dev/stdout && echo err > /dev/stderr && readlink /proc/self/fd/1'],
        env: { PATH },
        ...(umask !== undefined && isRoot ? { umask } : {}),
      });
      let text = '';
      c.child.stdout?.setEncoding('utf8').on('data', (d: string) => (text += d));
      c.child.stderr?.setEncoding('utf8').on('data', (d: string) => (text += d));
      const ended = Promise.all([c.child.stdout, c.child.stderr].map((s) => new Promise((r) => s?.once('close', r))));
      assert.deepEqual(await exited(c), { code: 0, signal: null });
      await ended;
      assert.match(text, /^out$/m);
      assert.match(text, /^err$/m);
      assert.match(text, /^pipe:\[\d+\]$/m, 'fd 1 is a pipe, not a socket');
    }
  });

  it('gives the service only the environment it is given, and the exit code back', async () => {
    const c = spawnService({ command: ['sh', '-c', 'echo "$FOO:${HOME:-nohome}"; exit 7'], env: { PATH, FOO: 'bar' } });
    const out = output(c);
    assert.deepEqual(await exited(c), { code: 7, signal: null });
    assert.equal((await out).trim(), 'bar:nohome');
  });

  it('killGroup reaches grandchildren', async () => {
    const c = spawnService({ command: ['sh', '-c', 'sleep 30 & sleep 30 & wait'], env });
    const pid = c.child.pid!;
    await until(() => childPids(pid).length === 2);
    const grandchildren = childPids(pid);
    assert.equal(killGroup(pid, 'SIGTERM'), true);
    await exited(c);
    await until(() => grandchildren.every(dead));
  });

  it('sessionMembers finds a descendant that left the process group, and killTree reaches it', async () => {
    // bash (unlike dash) does job control without a terminal: the job gets its own process group.
    const c = spawnService({ command: ['bash', '-c', 'set -m; sleep 30 & echo $!; wait'], env });
    const pid = c.child.pid!;
    const line = await new Promise<string>((resolve) => c.child.stdout!.once('data', (d: Buffer) => resolve(d.toString())));
    const job = Number(line.trim());
    const st = readStat(job)!;
    assert.notEqual(st.pgrp, pid, 'job control moved it to its own group');
    assert.equal(st.session, pid);
    assert.ok(sessionMembers(pid).includes(job));
    assert.ok(sessionMembers(pid).includes(pid));
    assert.ok(killTree(pid, 'SIGKILL') >= 2);
    await exited(c);
    await until(() => dead(job));
  });

  it('sessionLeftovers: the exits of one SIGCHLD read one walk of /proc, and the next run of JS walks afresh', async () => {
    const started = [0, 1].map(() => spawnService({ command: ['sh', '-c', 'sleep 30 & echo $!; wait'], env }));
    const jobs = await Promise.all(started.map((c) => new Promise<number>((resolve) => c.child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))))));
    const [a, b] = started.map((c) => c.child.pid!);
    await Promise.resolve(); // a run of JS of our own
    const before = sessionWalks.count;
    const left = [sessionLeftovers(a!), sessionLeftovers(b!)].map((l) => l.map((m) => m.pid).sort((x, y) => x - y));
    assert.equal(sessionWalks.count - before, 1, 'two sessions, one walk');
    assert.deepEqual(left, [[a!, jobs[0]!].sort((x, y) => x - y), [b!, jobs[1]!].sort((x, y) => x - y)]);
    for (const l of [sessionLeftovers(a!), sessionLeftovers(b!)]) for (const m of l) assert.equal(m.start, readStat(m.pid)!.starttime);
    killGroup(a!, 'SIGKILL');
    await exited(started[0]!);
    await until(() => dead(jobs[0]!));
    assert.deepEqual(sessionLeftovers(a!), [], 'a later run of JS sees the session gone');
    assert.equal(sessionWalks.count - before, 2);
    killGroup(b!, 'SIGKILL');
    await exited(started[1]!);
  });

  it('refuses to signal process group 0 or 1', () => {
    assert.throws(() => killGroup(0, 'SIGTERM'), /refusing/);
    assert.throws(() => killGroup(1, 'SIGTERM'), /refusing/);
  });

  it('passes extra fds to the service', async () => {
    const c = spawnService({ command: ['sh', '-c', 'echo ready >&3'], env, extraStdio: ['pipe'] });
    let got = '';
    (c.child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (got += d.toString()));
    await c.exited;
    await new Promise((r) => (c.child.stdio[3]!.closed ? r(undefined) : c.child.stdio[3]!.once('close', r)));
    assert.equal(got, 'ready\n');
  });
});

describe('spawnService fast path (posix_spawn)', () => {
  const statusProbe = 'grep -E "^(SigIgn|SigBlk):" /proc/self/status; readlink /proc/self/fd/0; pwd; echo "$FOO"';

  it('is taken for a plain command, and gives the same process as Node would: session, stdio, signals, env, cwd', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dinit-os-spawn-cwd-'));
    const c = spawnService({ command: ['sh', '-c', statusProbe], env: { PATH, FOO: 'bar' }, cwd: dir });
    assert.equal(byPosixSpawn(c), true, 'started by posix_spawn, not by Node');
    const pid = c.child.pid!;
    const st = readStat(pid)!;
    assert.equal(st.session, pid);
    assert.equal(st.pgrp, pid);
    assert.equal(isSpawnedChild(pid), true);
    const out = output(c);
    await c.spawned;
    assert.deepEqual(await exited(c), { code: 0, signal: null });
    const text = await out;
    assert.match(text, /^SigIgn:\s+0+$/m, 'SIGPIPE (ignored by Node) is back to its default');
    assert.match(text, /^SigBlk:\s+0+$/m);
    assert.match(text, /^\/dev\/null$/m, 'stdin is /dev/null');
    assert.match(text, new RegExp(`^${dir}$`, 'm'));
    assert.match(text, /^bar$/m);
    assert.equal(isSpawnedChild(pid), false);
  });

  it('reports spawned, then exited, and the output is all there once the pipe closes', async () => {
    const c = spawnService({ command: ['sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done'], env });
    const text = await output(c);
    assert.deepEqual(c.events, ['spawned', 'exited']);
    assert.equal(text.split('\n').filter(Boolean).length, 2000);
  });

  it('collects the exit of many children that end together (one SIGCHLD may stand for several)', async () => {
    const kids = Array.from({ length: 30 }, (_, k) => spawnService({ command: ['sh', '-c', `exit ${k}`], env }));
    const codes = await Promise.all(kids.map(async (c) => (await exited(c)).code));
    assert.deepEqual(
      codes,
      Array.from({ length: 30 }, (_, k) => k),
    );
    const killed = spawnService({ command: ['sleep', '30'], env });
    killGroup(killed.child.pid!, 'SIGTERM');
    assert.deepEqual(await exited(killed), { code: null, signal: 'SIGTERM' });
  });

  it('reports every exit of one SIGCHLD even when an exit listener throws', async () => {
    // In a process of its own: the throw must surface as an uncaught exception, which node:test would claim.
    const childrenJs = new URL('../../src/os/children.js', import.meta.url).href;
    const hostJs = new URL('../../src/os/host.js', import.meta.url).href;
    const script = `
      import { Children } from ${JSON.stringify(childrenJs)};
      import { createProcessHost } from ${JSON.stringify(hostJs)};
      const host = createProcessHost(new Children());
      const env = { PATH: process.env.PATH };
      const seen = [];
      const report = () => { console.log(JSON.stringify(seen)); process.exit(0); };
      // Report once all three events came; the deadline only turns a lost exit into a readable diff.
      const note = (what) => { seen.push(what); if (seen.length === 3) report(); };
      setTimeout(report, 10000);
      process.on('uncaughtException', (e) => note('uncaught ' + e.message));
      const spawned = () => {};
      const failed = (e) => note('failed ' + e.message);
      host.spawn({ command: ['sh', '-c', 'exit 3'], env }, 'service', { spawned, failed, exited: (code) => { note('a ' + code); throw new Error('listener of a'); } });
      host.spawn({ command: ['sh', '-c', 'exit 4'], env }, 'service', { spawned, failed, exited: (code) => note('b ' + code) });
      const end = Date.now() + 300;
      while (Date.now() < end); // both exit before the first SIGCHLD is handled
    `;
    const c = spawnService({ command: [process.execPath, '--input-type=module', '-e', script], env: { PATH } });
    const out = await output(c);
    assert.deepEqual(JSON.parse(out), ['a 3', 'b 4', 'uncaught listener of a']);
  });

  it('looks the command up in PATH afresh once the current run of JS is over', async () => {
    const [a, b] = [mkdtempSync(join(tmpdir(), 'dinit-os-path-a-')), mkdtempSync(join(tmpdir(), 'dinit-os-path-b-'))];
    const tool = (dir: string, says: string): void => {
      writeFileSync(join(dir, 'dinit-test-tool'), `#!/bin/sh\necho ${says}\n`);
      chmodSync(join(dir, 'dinit-test-tool'), 0o755);
    };
    const run = () => output(spawnService({ command: ['dinit-test-tool'], env: { PATH: `${a}:${b}:${PATH}` } }));
    tool(b, 'from-b');
    assert.equal((await run()).trim(), 'from-b');
    tool(a, 'from-a');
    assert.equal((await run()).trim(), 'from-a', 'a command installed earlier in PATH is found');
  });

  it('passes extra fds as Node lays them out: a pipe dinit reads (a real one: /dev/fd/N opens), nothing for ignore', async () => {
    // A notify-fd readiness service (fd 4: fd 3 ignored) no longer needs Node's spawn.
    const c = spawnService({ command: ['sh', '-c', 'echo ready > /dev/fd/4; [ -e /proc/self/fd/3 ] && echo fd3-open; exit 0'], env, extraStdio: ['ignore', 'pipe'] });
    assert.equal(byPosixSpawn(c), true, 'started by posix_spawn, not by Node');
    assert.equal(c.child.stdio.length, 5);
    assert.equal(c.child.stdio[3], null);
    const notify = c.child.stdio[4] as Readable;
    let said = '';
    notify.setEncoding('utf8').on('data', (d: string) => (said += d));
    const closed = new Promise((r) => notify.once('close', r));
    const text = await output(c);
    await closed;
    assert.equal(said, 'ready\n');
    assert.doesNotMatch(text, /fd3-open/, 'an ignored fd is not open in the service');
    assert.deepEqual(await exited(c), { code: 0, signal: null });
  });

  it('leaves what a plain PATH lookup cannot settle to Node: relative PATH entries, and every exec error', async () => {
    const viaNode = spawnService({ command: ['sh', '-c', 'exit 4'], env: { PATH: `.:${PATH}` } });
    assert.equal(byPosixSpawn(viaNode), false);
    assert.deepEqual(await exited(viaNode), { code: 4, signal: null });
    const missing = spawnService({ command: ['no-such-command-xyz'], env });
    const err = await spawnError(missing);
    assert.equal(err.code, 'ENOENT');
  });
});

describe('exec-as wrapper (groups and umask)', { skip: !isRoot && 'needs root' }, () => {
  const probe = 'echo pid=$$; grep -E "^(Uid|Gid|Groups|Umask|SigIgn|SigBlk):" /proc/self/status; echo "$FOO"; echo x >&3';

  it('sets uid, gid, supplementary groups and umask, keeps the pid, env, stdio and signal state', async () => {
    const c = spawnService({
      command: ['sh', '-c', probe],
      env: { PATH, FOO: 'bar' },
      uid: 65534,
      gid: 65534,
      groups: [65534, 4242],
      umask: 0o027,
      extraStdio: ['pipe'],
    });
    let fd3 = '';
    (c.child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (fd3 += d.toString()));
    const out = output(c);
    assert.deepEqual(await exited(c), { code: 0, signal: null });
    const text = await out;
    assert.match(text, new RegExp(`^pid=${c.child.pid}$`, 'm'), 'execvp kept the pid');
    assert.match(text, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    assert.match(text, /^Gid:\s+65534\s+65534\s+65534\s+65534$/m);
    assert.match(text, /^Groups:\s+4242 65534\s*$/m);
    assert.match(text, /^Umask:\s+0027$/m);
    assert.match(text, /^SigIgn:\s+0+$/m, 'SIGPIPE is not left ignored');
    assert.match(text, /^SigBlk:\s+0+$/m);
    assert.match(text, /^bar$/m);
    assert.equal(fd3, 'x\n');
  });

  it('delivers the exit code and the signal of the service', async () => {
    const a = spawnService({ command: ['sh', '-c', 'exit 3'], env, umask: 0o022 });
    assert.deepEqual(await exited(a), { code: 3, signal: null });
    const b = spawnService({ command: ['sleep', '30'], env, umask: 0o022 });
    await until(() => readStat(b.child.pid!)?.comm === 'sleep');
    killGroup(b.child.pid!, 'SIGTERM');
    assert.deepEqual(await exited(b), { code: null, signal: 'SIGTERM' });
  });

  it('reports a command that cannot be executed as failed, with no spawned or exited', async () => {
    const c = spawnService({ command: ['no-such-command-xyz'], env, umask: 0o022 });
    const wrapperPid = c.child.pid!;
    const err = await spawnError(c);
    assert.equal(err.code, 'ENOENT');
    assert.equal(describeSpawnError(err, ['no-such-command-xyz']), "cannot execute 'no-such-command-xyz': not found in PATH (ENOENT)");
    await until(() => !isSpawnedChild(wrapperPid), 10_000);
    assert.deepEqual(c.events, ['failed']);
    assert.equal(c.child.pid, undefined);
  });

  it('reports a bad working-dir as failed', async () => {
    const c = spawnService({ command: ['true'], env, cwd: '/nonexistent/dir', groups: [] });
    const err = await spawnError(c);
    assert.equal(describeSpawnError(err, ['true'], '/nonexistent/dir'), 'working-dir /nonexistent/dir does not exist');
  });
});

describe('describeSpawnError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinit-os-spawn-'));
  const noExec = join(dir, 'not-executable');
  writeFileSync(noExec, '#!/bin/sh\necho hi\n');
  const badShebang = join(dir, 'bad-shebang');
  writeFileSync(badShebang, '#!/no/such/interpreter\n');
  chmodSync(badShebang, 0o755);
  const aFile = join(dir, 'a-file');
  writeFileSync(aFile, '');

  const cases: [string, string[], string | undefined, RegExp | string][] = [
    ['a command missing from PATH', ['no-such-command-xyz'], undefined, "cannot execute 'no-such-command-xyz': not found in PATH (ENOENT)"],
    ['a missing path', ['/no/such/file'], undefined, "cannot execute '/no/such/file': no such file (ENOENT)"],
    ['a file without execute permission', [noExec], undefined, `cannot execute '${noExec}': permission denied (EACCES)`],
    ['a script whose interpreter is missing', [badShebang], undefined, /its interpreter \(the #! line\) was not found \(ENOENT\)/],
    ['a directory', [dir], undefined, /it is a directory \(EACCES\)/],
    ['a missing working-dir', ['true'], '/no/such/dir', 'working-dir /no/such/dir does not exist'],
    ['a working-dir that is a file', ['true'], aFile, `working-dir ${aFile} is not a directory`],
  ];
  for (const [what, command, cwd, expected] of cases) {
    it(`explains ${what}`, async () => {
      const c = spawnService({ command, env, ...(cwd === undefined ? {} : { cwd }) });
      const err = await spawnError(c);
      const msg = describeSpawnError(err, command, cwd);
      if (typeof expected === 'string') assert.equal(msg, expected);
      else assert.match(msg, expected);
    });
  }
});
