// Who a service runs as and what it sees, through the real binary (these
// tests run as root, as dinit does in a container). Each service prints what
// it got — `id`, its umask, its cwd, its environment as JSON — and the test
// compares that with the config, and for uids also with /proc/<pid>/status,
// the kernel's own answer. Tmp dirs are made world-readable so an
// unprivileged service can enter them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDinit, writeConfig, makeTmpDir, type DinitProcess } from '../helpers/dinit-process.js';
import { sh, ev, out, waitStarted, started, statusOf } from './support.js';

/** `Uid:`/`Gid:`/`Groups:` of a live process, as the kernel reports them. */
function procIds(pid: number): { uid: string; gid: string; groups: string } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (k: string): string => new RegExp(`^${k}:[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return { uid: field('Uid'), gid: field('Gid'), groups: field('Groups') };
}

/** A tmp dir any user can enter and read. */
function openDir(): string {
  const dir = makeTmpDir();
  chmodSync(dir, 0o755);
  return dir;
}

const printIds = sh('echo "ids uid=$(id -u) gid=$(id -g) groups=$(id -G)"; exec sleep 1000');

/** A node one-liner that prints `env {...}` (the E4_* variables and DINIT_SERVICE) and exits. */
const printEnv = JSON.stringify([
  process.execPath,
  '-e',
  `const e = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^E4_|^DINIT_SERVICE$|^HOME$|^USER$|^LOGNAME$/.test(k)).sort());
   process.stdout.write('env ' + JSON.stringify(e) + '\\n');`,
]);

async function envOf(d: DinitProcess, name: string): Promise<Record<string, string>> {
  const line = await d.waitForLine(out(name, 'env \\{'));
  return JSON.parse(line.slice(line.indexOf('env ') + 4)) as Record<string, string>;
}

test('user: nobody (and uid:gid) runs the service with exactly that uid, gid and no other groups', async (t) => {
  const dir = openDir();
  const config = writeConfig(
    dir,
    `services:
  byname: { command: ${printIds}, user: nobody }
  bynumber: { command: ${printIds}, user: "65534:100" }
`,
  );
  const d = await startDinit({ config, dir, t });
  const byname = await waitStarted(d, 'byname');
  const bynumber = await waitStarted(d, 'bynumber');
  await d.waitForLine(out('byname', 'ids uid=65534 gid=65534 groups=65534$'));
  await d.waitForLine(out('bynumber', 'ids uid=65534 gid=100 groups=100$'));
  // The kernel agrees (real, effective, saved and fs ids all switched; root's groups dropped).
  assert.deepEqual(procIds(byname.pid), { uid: '65534\t65534\t65534\t65534', gid: '65534\t65534\t65534\t65534', groups: '' });
  assert.equal(procIds(bynumber.pid).gid, '100\t100\t100\t100');
});

test('a user listed in /etc/group gets those supplementary groups as well as its primary group', async (t) => {
  // Find a real user that is a member of some group: name -> [primary gid, member-of gid].
  const passwd = new Map(
    readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
      .filter((f) => f.length >= 4)
      .map((f) => [f[0]!, { uid: f[2]!, gid: f[3]! }] as const),
  );
  let pick: { user: string; uid: string; gid: string; extra: string } | undefined;
  for (const l of readFileSync('/etc/group', 'utf8').split('\n')) {
    const [, , gid, members] = l.split(':');
    for (const m of (members ?? '').split(',').filter(Boolean)) {
      const p = passwd.get(m);
      if (p && gid && p.gid !== gid && !pick) pick = { user: m, uid: p.uid, gid: p.gid, extra: gid };
    }
  }
  if (!pick) {
    t.skip('no user in /etc/passwd is a member of another group in /etc/group on this machine');
    return;
  }
  const dir = openDir();
  const config = writeConfig(dir, `services:\n  member: { command: ${printIds}, user: ${pick.user} }\n`);
  const d = await startDinit({ config, dir, t });
  const { pid } = await waitStarted(d, 'member');
  const line = await d.waitForLine(out('member', 'ids '));
  const m = /uid=(\d+) gid=(\d+) groups=(.*)$/.exec(line);
  assert.ok(m, line);
  assert.equal(m[1], pick.uid);
  assert.equal(m[2], pick.gid);
  assert.deepEqual(m[3]!.split(' ').sort(), [pick.gid, pick.extra].sort(), line);
  assert.deepEqual(procIds(pid).groups.split(/\s+/).sort(), [pick.gid, pick.extra].sort());
});

test('umask "027" is the service\'s umask and shapes the files it creates, also for another user', async (t) => {
  const dir = openDir();
  const work = join(dir, 'work');
  mkdirSync(work);
  chmodSync(work, 0o777);
  const probe = (file: string): string =>
    JSON.stringify([
      process.execPath,
      '-e',
      `const fs = require('fs'); fs.writeFileSync(${JSON.stringify(file)}, '');
       process.stdout.write('umask ' + process.umask().toString(8).padStart(3, '0') + ' mode ' + (fs.statSync(${JSON.stringify(file)}).mode & 0o777).toString(8) + '\\n');`,
    ]);
  const config = writeConfig(
    dir,
    `services:
  asroot: { command: ${probe(join(work, 'a'))}, umask: "027", restart: never }
  asnobody: { command: ${probe(join(work, 'b'))}, umask: "077", user: nobody, restart: never }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(out('asroot', 'umask 027 mode 640$'));
  await d.waitForLine(out('asnobody', 'umask 077 mode 600$'));
});

test("working-dir is relative to the config file's directory, not to dinit's cwd", async (t) => {
  const dir = makeTmpDir();
  const confDir = join(dir, 'conf');
  mkdirSync(join(confDir, 'app', 'data'), { recursive: true });
  const config = writeConfig(
    confDir,
    `services:
  app: { command: ${sh('echo "cwd $(pwd -P)"; exec sleep 1000')}, working-dir: app/data }
`,
  );
  const d = await startDinit({ config, dir, cwd: dir, t });
  await d.waitForLine(out('app', `cwd ${realpathSync(join(confDir, 'app', 'data'))}$`));
});

test('an unknown user fails only that service, with a reason naming the user; the others run', async (t) => {
  const dir = openDir();
  const config = writeConfig(
    dir,
    `services:
  ghost: { command: ${sh('echo should not run; exec sleep 1000')}, user: no-such-user-e4 }
  needsghost: { command: ${printIds}, depends-on: [ghost] }
  fine: { command: ${printIds}, user: nobody }
`,
  );
  const d = await startDinit({ config, dir, t });
  await d.waitForLine(ev('ghost', "failed to start: .*unknown user 'no-such-user-e4'"));
  await d.waitForLine(out('fine', 'ids uid=65534'));
  await d.waitForLine(ev('needsghost', 'failed: dependency ghost failed'));
  assert.equal(d.indexOf(out('ghost', 'should not run')), -1, d.dump());
  assert.equal(d.indexOf(started('needsghost')), -1, d.dump());
  const s = await statusOf(d, 'ghost');
  assert.equal(s.failed, true);
  assert.match(s.reason ?? '', /no-such-user-e4/);
});

test('environment layers: dinit env < env-file < environment (global, then per service), with ${VAR:-default} expanded and DINIT_SERVICE set', async (t) => {
  const dir = makeTmpDir();
  const confDir = join(dir, 'conf');
  mkdirSync(confDir);
  writeFileSync(join(dir, 'global.env'), '# global file\nE4_GLOBAL_FILE=gf\nE4_FILE_VS_ENV=file\nexport E4_FROM_DINIT_VS_FILE=file\n');
  writeFileSync(join(confDir, 'svc.env'), 'E4_SVC_FILE="sf"\nE4_SVCFILE_VS_GLOBAL=svcfile\n');
  const config = writeConfig(
    confDir,
    `environment:
  E4_GLOBAL: g
  E4_FILE_VS_ENV: env
  E4_OVER: global
  E4_SVCFILE_VS_GLOBAL: global
  E4_DEFAULTED: "\${E4_UNSET:-fallback}"
  E4_EXPANDED: "\${E4_FROM_DINIT:-unused}-x"
env-file: ../global.env
services:
  one:
    command: ${printEnv}
    restart: never
    env-file: svc.env
    environment: { E4_OVER: service, E4_OWN: "own \${E4_FROM_DINIT}" }
  two:
    command: ${printEnv}
    restart: never
`,
  );
  const d = await startDinit({
    config,
    dir,
    cwd: dir,
    t,
    env: { E4_FROM_DINIT: 'dinit', E4_FROM_DINIT_VS_FILE: 'dinit' },
  });
  const one = await envOf(d, 'one');
  const two = await envOf(d, 'two');
  const common = {
    E4_FROM_DINIT: 'dinit',
    E4_FROM_DINIT_VS_FILE: 'file',
    E4_GLOBAL_FILE: 'gf',
    E4_FILE_VS_ENV: 'env',
    E4_GLOBAL: 'g',
    E4_DEFAULTED: 'fallback',
    E4_EXPANDED: 'dinit-x',
  };
  const pick = (e: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(e).filter(([k]) => !['HOME', 'USER', 'LOGNAME'].includes(k)));
  assert.deepEqual(pick(one), {
    ...common,
    E4_OVER: 'service',
    E4_OWN: 'own dinit',
    E4_SVC_FILE: 'sf',
    E4_SVCFILE_VS_GLOBAL: 'svcfile',
    DINIT_SERVICE: 'one',
  });
  assert.deepEqual(pick(two), { ...common, E4_OVER: 'global', E4_SVCFILE_VS_GLOBAL: 'global', DINIT_SERVICE: 'two' });
});

test("a service run as another user gets that user's HOME, USER and LOGNAME, not root's; environment: still wins", async (t) => {
  const dir = openDir();
  const config = writeConfig(
    dir,
    `services:
  svc: { command: ${printEnv}, user: nobody, restart: never }
  mine: { command: ${printEnv}, user: nobody, restart: never, environment: { HOME: /srv/mine } }
`,
  );
  const d = await startDinit({ config, dir, t, env: { HOME: '/root', USER: 'root', LOGNAME: 'root' } });
  const env = await envOf(d, 'svc');
  assert.equal(env.USER, 'nobody');
  assert.equal(env.LOGNAME, 'nobody');
  assert.equal(env.HOME, '/nonexistent');
  const mine = await envOf(d, 'mine');
  assert.equal(mine.HOME, '/srv/mine');
  assert.equal(mine.USER, 'nobody');
});

test('a ${VAR} value in a command string reaches the program as data: quotes and backslashes literal, inside its word', async (t) => {
  const dir = makeTmpDir();
  writeFileSync(join(dir, 'expected'), 'say "hi"\n');
  const config = writeConfig(
    dir,
    `services:
  words:
    command: ${JSON.stringify(`printf "<%s>\\n" \${E5_Q} "\${E5_DQ}" '\${E5_BS}' \${E5_TWO}`)}
    restart: never
  probed:
    command: [sleep, "100000"]
    ready: { exec: ${JSON.stringify(`grep -qxF "\${E5_DQ}" ${join(dir, 'expected')}`)}, interval: 50ms }
    start-timeout: 10s
`,
  );
  const env = { E5_Q: "it's", E5_DQ: 'say "hi"', E5_BS: 'a\\ b', E5_TWO: 'x y' };
  const d = await startDinit({ config, dir, t, env });
  for (const word of ["it's", 'say "hi"', 'a\\\\ b', 'x', 'y']) await d.waitForLine(out('words', `<${word}>$`));
  await d.waitForLine(started('probed'));
  assert.equal((await statusOf(d, 'probed')).ready, true, d.dump());
});
