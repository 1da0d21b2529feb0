// The CLI verbs run in-process (runCli with captured output) against a real
// control server backed by a fake supervisor.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConfigModule } from '../../src/cli/context.js';
import { chooseConfig, describeShadowing } from '../../src/config/load.js';
import { runCli } from '../../src/cli/main.js';
import { PROTOCOL_VERSION } from '../../src/control/protocol.js';
import { startControlServer, type ControlServer } from '../../src/control/server.js';
import { repoRoot } from '../helpers/paths.js';
import { FakeTarget, captureIO, sampleConfig, sampleConfigError, svcStatus, tempDir, until, type CapturedIO } from './fake-target.js';

describe('CLI verbs against a running (fake) supervisor', () => {
  const tmp = tempDir();
  const sock = join(tmp.dir, 'dinit.sock');
  const env = { DINIT_SOCKET: sock, PATH: process.env.PATH };
  let target: FakeTarget;
  let server: ControlServer;

  before(async () => {
    target = new FakeTarget();
    server = await startControlServer(sock, target);
  });
  after(async () => {
    await server.close();
    tmp.cleanup();
  });

  async function cli(argv: string[], over: { env?: NodeJS.ProcessEnv; io?: CapturedIO; config?: ConfigModule } = {}) {
    const io = over.io ?? captureIO();
    const code = await runCli(argv, over.env ?? env, {
      io,
      ...(over.config ? { loadConfigModule: async () => over.config as ConfigModule } : {}),
    });
    return { code, out: io.stdout, err: io.stderr };
  }

  test('status prints a table with every column and exits 0', async () => {
    const r = await cli(['status']);
    assert.equal(r.code, 0, r.err);
    const [header, ...rows] = r.out.trimEnd().split('\n');
    assert.match(header ?? '', /^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+LAST-EXIT\s+READY\s+CPU\s+RSS\s+STATUS$/);
    assert.equal(rows.length, 2);
    assert.match(rows[0] ?? '', /^db\s+started\s+42\s+3m1\ds\s+0\s+-\s+yes\s+3\.3%\s+50MiB$/);
    assert.match(rows[1] ?? '', /^web\s+started\s+43\s+3m1\ds\s+0\s+-\s+yes\s+-\s+-$/);
    assert.ok(!r.out.includes('\x1b['), 'no colour when not a TTY');
  });

  test('status --json prints the status objects with the documented fields', async () => {
    const r = await cli(['status', 'web', '--json']);
    assert.equal(r.code, 0);
    const rows = JSON.parse(r.out) as Record<string, unknown>[];
    assert.equal(rows.length, 1);
    for (const k of ['name', 'state', 'pid', 'restarts', 'ready', 'exitCode', 'exitSignal', 'since']) assert.ok(k in rows[0]!, k);
    assert.equal(rows[0]?.name, 'web');
  });

  test('status colours states on a TTY and honours NO_COLOR and FORCE_COLOR', async () => {
    const tty = await cli(['status'], { io: captureIO(true) });
    assert.ok(tty.out.includes('\x1b[32mstarted\x1b[39m'));
    const noColor = await cli(['status'], { io: captureIO(true), env: { ...env, NO_COLOR: '1' } });
    assert.ok(!noColor.out.includes('\x1b['));
    const forced = await cli(['status'], { io: captureIO(false), env: { ...env, FORCE_COLOR: '1' } });
    assert.ok(forced.out.includes('\x1b[32m'));
  });

  test('status of an unknown service exits 1 naming it', async () => {
    const r = await cli(['status', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.err, /unknown service: nope/);
  });

  test('start, stop and restart say per service what happened', async () => {
    for (const [verb, done] of [
      ['start', 'started'],
      ['stop', 'stopped'],
      ['restart', 'restarted'],
    ] as const) {
      const r = await cli([verb, 'web', 'db']);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, `web: ${done}\ndb: ${done}\n`);
    }
    const nw = await cli(['start', 'web', '--no-wait']);
    assert.equal(nw.out, 'web: starting\n');
    assert.deepEqual(target.calls.at(-1), { verb: 'start', args: [['web'], false] });
  });

  test('a failed start exits 1 and lists the failures with reasons on stderr', async () => {
    target.opResult = { ok: false, failures: [{ service: 'db', reason: 'exited with code 3' }] };
    const r = await cli(['start', 'web', 'db']);
    target.opResult = { ok: true, failures: [] };
    assert.equal(r.code, 1);
    assert.equal(r.out, 'web: started\n');
    assert.equal(r.err, 'db: exited with code 3\n');
  });

  test('is-started and is-failed answer with the exit code alone', async () => {
    const saved = target.services;
    target.services = [svcStatus('db'), svcStatus('web', { state: 'stopped', failed: true, pid: null, ready: false }), svcStatus('cache', { state: 'starting', ready: false })];
    try {
      const cases: [string[], number][] = [
        [['is-started', 'db'], 0],
        [['is-started', 'web'], 1],
        [['is-started', 'cache'], 1],
        [['is-failed', 'web'], 0],
        [['is-failed', 'db'], 1],
      ];
      for (const [argv, code] of cases) {
        const r = await cli(argv);
        assert.equal(r.code, code, argv.join(' '));
        assert.equal(r.out + r.err, '', `${argv.join(' ')} prints nothing`);
      }
      const unknown = await cli(['is-started', 'nope']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.err, /unknown service: nope/);
      assert.equal((await cli(['is-failed'])).code, 2);
    } finally {
      target.services = saved;
    }
  });

  test('stop --force is the same stop, dependents first', async () => {
    const r = await cli(['stop', '--force', 'db']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'db: stopped\n');
    assert.deepEqual(target.calls.at(-1), { verb: 'stop', args: [['db'], true] });
    assert.equal((await cli(['start', '--force', 'db'])).code, 2, '--force is for stop only');
  });

  test('start with no service is a usage error (exit 2)', async () => {
    const r = await cli(['start']);
    assert.equal(r.code, 2);
    assert.match(r.err, /name at least one service/);
  });

  test('signal accepts SIGHUP, HUP and 1 alike', async () => {
    for (const s of ['SIGHUP', 'HUP', 'hup', '1']) {
      const r = await cli(['signal', s, 'web']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(target.calls.at(-1), { verb: 'signal', args: ['web', 'SIGHUP'] });
    }
    const bad = await cli(['signal', 'SIGNOPE', 'web']);
    assert.equal(bad.code, 2);
  });

  test('logs prints `name | line`, the last N lines', async () => {
    target.lines = [];
    for (let i = 1; i <= 5; i++) target.emit('web', `line ${i}`);
    const r = await cli(['logs', 'web', '-n', '2']);
    assert.equal(r.code, 0);
    assert.equal(r.out, 'web | line 4\nweb | line 5\n');
  });

  test('logs --timestamps puts the time each line arrived in front', async () => {
    target.emit('web', 'stamped');
    const r = await cli(['logs', 'web', '-n', '1', '--timestamps']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z web \| stamped\n$/);
  });

  test('logs -f prints the backlog and new lines until interrupted', async () => {
    target.lines = [];
    target.emit('db', 'before');
    const io = captureIO();
    const running = cli(['logs', '-f', '-n', '1'], { io });
    await until(() => target.followers.size === 1, 5000, 'the follower');
    target.emit('db', 'after');
    await until(() => io.stdout.includes('after'), 5000, 'the new line');
    io.abort();
    const r = await running;
    assert.equal(r.code, 0);
    assert.equal(r.out, 'db | before\ndb | after\n');
    await until(() => target.followers.size === 0, 5000, 'the unsubscribe');
  });

  test('events prints one line per change (or one JSON object with --json) until interrupted', async () => {
    for (const json of [false, true]) {
      const io = captureIO();
      const running = cli(json ? ['events', '--json', 'web'] : ['events', 'web'], { io });
      await until(() => target.eventFollowers.size === 1, 5000, 'the events follower');
      target.change('db', 'stopped');
      target.change('web', 'failed', 'exited with code 2');
      await until(() => io.stdout.includes('failed'), 5000, 'the event');
      io.abort();
      const r = await running;
      assert.equal(r.code, 0, r.err);
      if (json) {
        const rec = JSON.parse(r.out) as Record<string, unknown>;
        assert.deepEqual({ ...rec, time: 0 }, { time: 0, service: 'web', event: 'failed', pid: null, reason: 'exited with code 2' });
      } else assert.match(r.out, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z web failed \(exited with code 2\)\n$/);
      await until(() => target.eventFollowers.size === 0, 5000, 'the unsubscribe');
    }
  });

  test('scale says what changed and that a reload goes back to the file; a bad count is a usage error', async () => {
    const r = await cli(['scale', 'web', '3']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'web: 2 → 3 instances (started web-3); until the next reload, which goes back to the replicas in dinit.yaml\n');
    assert.deepEqual(target.calls.at(-1), { verb: 'scale', args: ['web', 3] });
    for (const argv of [
      ['scale', 'web'],
      ['scale', 'web', '0'],
      ['scale', 'web', 'x'],
      ['scale', 'web', '2', 'db'],
    ]) {
      const u = await cli(argv);
      assert.equal(u.code, 2, argv.join(' '));
    }
    const unknown = await cli(['scale', 'nope', '2']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /unknown service: nope/);
  });

  test('reload prints what was added, removed, restarted and updated in place', async () => {
    const r = await cli(['reload']);
    assert.equal(r.code, 0);
    assert.equal(r.out, 'added: cache\nremoved: old\nrestarted (changed): web\nupdated in place: worker\n');
  });

  test('reload of an invalid config prints every located error and exits 2', async () => {
    target.failWith.set('reload', sampleConfigError());
    const r = await cli(['reload']);
    target.failWith.delete('reload');
    assert.equal(r.code, 2);
    const lines = r.err.trimEnd().split('\n');
    assert.equal(lines[0], "/etc/dinit.yaml:3:5: unknown key 'depend-on' (did you mean 'depends-on'?)");
    assert.equal(lines[1], "/etc/dinit.yaml:9:14: invalid duration '10 sec'");
    assert.match(r.err, /nothing changed/);
  });

  test('shutdown asks the supervisor and exits 0', async () => {
    const r = await cli(['shutdown']);
    assert.equal(r.code, 0);
    assert.equal(target.calls.at(-1)?.verb, 'shutdown');
  });

  test('health exits 0 when healthy and 1 with the problems on stderr', async () => {
    assert.equal((await cli(['health'])).code, 0);
    target.healthResult = { ok: false, problems: ['db: failed (exited with code 1)'] };
    const r = await cli(['health']);
    target.healthResult = { ok: true, problems: [] };
    assert.equal(r.code, 1);
    assert.equal(r.err, 'db: failed (exited with code 1)\n');
  });

  test('wait passes its timeout (default 30s) and exits 1 when the supervisor says it failed', async () => {
    assert.equal((await cli(['wait', 'web'])).code, 0);
    assert.deepEqual(target.calls.at(-1), { verb: 'wait', args: [['web'], 30_000] });
    await cli(['wait', 'web', '--timeout', '2m']);
    assert.deepEqual(target.calls.at(-1), { verb: 'wait', args: [['web'], 120_000] });
    await cli(['wait', 'web', '--timeout', '500ms']);
    assert.deepEqual(target.calls.at(-1), { verb: 'wait', args: [['web'], 500] });
    target.opResult = { ok: false, failures: [{ service: 'web', reason: 'timed out after 500ms' }] };
    const r = await cli(['wait', 'web', '--timeout', '500ms']);
    target.opResult = { ok: true, failures: [] };
    assert.equal(r.code, 1);
    assert.match(r.err, /web: timed out/);
  });

  test('graph draws the running supervisor’s config, each edge kind styled', async () => {
    const dot = await cli(['graph']);
    assert.equal(dot.code, 0, dot.err);
    assert.match(dot.out, /^digraph dinit \{/);
    assert.ok(dot.out.includes('"web" -> "db";'));
    assert.ok(dot.out.includes('"web" -> "migrate" [style=bold'));
    assert.ok(dot.out.includes('"web" -> "cache" [style=dashed'));
    assert.ok(dot.out.includes('"web" -> "cache" [style=dotted'));
    const mm = await cli(['graph', '--format', 'mermaid']);
    assert.match(mm.out, /^flowchart LR/);
  });

  test('graph -c reads the file even when a supervisor runs', async () => {
    let loaded = '';
    const stub: ConfigModule = {
      resolveConfigPath: (explicit) => explicit ?? '/etc/dinit.yaml',
      chooseConfig,
      describeShadowing,
      loadConfigFile: (file) => {
        loaded = file;
        return { ...sampleConfig(), services: [sampleConfig().services[0]!] };
      },
      shutdownBudget: () => ({ warnings: [] }),
      httpWarnings: () => [],
    };
    const r = await cli(['graph', '-c', '/x/dinit.yaml'], { config: stub });
    assert.equal(r.code, 0, r.err);
    assert.equal(loaded, '/x/dinit.yaml');
    assert.ok(!r.out.includes('->'));
  });

  test('status with a --socket before the verb uses it', async () => {
    const r = await cli(['--socket', sock, 'status'], { env: {} });
    assert.equal(r.code, 0, r.err);
  });
});

// `dinit status` against a scripted supervisor that records each connection and
// request: the table and its orphans line come in one request, and a supervisor
// from before the combined reply (it ignores the flag) still gets the line.
describe('status and the orphans line', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const rows = [svcStatus('db', { pid: 42 })];
  const orphans = [{ pid: 4242, comm: 'sleep' }];

  async function scripted(name: string, knowsFlag: boolean) {
    const path = join(tmp.dir, `${name}.sock`);
    const seen = { connections: 0, requests: [] as { verb: string; args: Record<string, unknown> }[] };
    const server = createServer((s) => {
      seen.connections++;
      let buf = '';
      s.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
          const req = JSON.parse(buf.slice(0, nl)) as { id: number; verb: string; args: Record<string, unknown> };
          buf = buf.slice(nl + 1);
          seen.requests.push({ verb: req.verb, args: req.args });
          const result = req.verb === 'orphans' ? orphans : knowsFlag && req.args.orphans === true ? { services: rows, orphans } : rows;
          s.write(JSON.stringify({ v: PROTOCOL_VERSION, id: req.id, ok: true, result }) + '\n');
        }
      });
    });
    await new Promise<void>((r) => server.listen(path, r));
    const run = async (argv: string[]) => {
      const io = captureIO();
      const code = await runCli(argv, { DINIT_SOCKET: path }, { io });
      return { code, out: io.stdout, err: io.stderr };
    };
    return { seen, run, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  test('status asks for the rows and the orphans in one request, on one connection', async () => {
    const sup = await scripted('new', true);
    const r = await sup.run(['status']);
    await sup.close();
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^db\s+started\s+42\s/m);
    assert.match(r.out, /^orphans \(not owned by any service\): 4242 \(sleep\)$/m);
    assert.equal(sup.seen.connections, 1);
    assert.deepEqual(sup.seen.requests, [{ verb: 'status', args: { names: [], orphans: true } }]);
  });

  test('status --json and status NAME ask for the rows alone', async () => {
    const sup = await scripted('rows', true);
    assert.equal((await sup.run(['status', '--json'])).code, 0);
    assert.equal((await sup.run(['status', 'db'])).code, 0);
    await sup.close();
    assert.deepEqual(sup.seen.requests, [
      { verb: 'status', args: { names: [] } },
      { verb: 'status', args: { names: ['db'] } },
    ]);
  });

  test('a supervisor that answers the bare list (older) still gets the orphans line, asked separately', async () => {
    const sup = await scripted('old', false);
    const r = await sup.run(['status']);
    await sup.close();
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^orphans \(not owned by any service\): 4242 \(sleep\)$/m);
    assert.deepEqual(
      sup.seen.requests.map((q) => q.verb),
      ['status', 'orphans'],
    );
  });
});

describe('CLI verbs without a supervisor', () => {
  const tmp = tempDir();
  const sock = join(tmp.dir, 'absent.sock');
  after(() => tmp.cleanup());

  async function cli(argv: string[], config?: ConfigModule, env: NodeJS.ProcessEnv = { DINIT_SOCKET: sock }) {
    const io = captureIO();
    const code = await runCli(argv, env, { io, cwd: tmp.dir, ...(config ? { loadConfigModule: async () => config } : {}) });
    return { code, out: io.stdout, err: io.stderr };
  }

  test('a client verb exits 3 with a one-line hint when no supervisor answers', async () => {
    for (const verb of ['status', 'health', 'reload', 'shutdown', 'logs']) {
      const r = await cli([verb]);
      assert.equal(r.code, 3, verb);
      assert.equal(r.err, `dinit: no dinit supervisor answers on ${sock} — is it running? pass --socket or set DINIT_SOCKET\n`);
    }
  });

  const okLoader = (warnings: string[] = []): ConfigModule => ({
    resolveConfigPath: (explicit, _env, cwd) => explicit ?? join(cwd, 'dinit.yaml'),
    chooseConfig,
    describeShadowing,
    loadConfigFile: () => sampleConfig(),
    shutdownBudget: () => ({ warnings }),
    httpWarnings: () => [],
  });

  test('graph falls back to the config file when no supervisor answers', async () => {
    const r = await cli(['graph', '--format', 'mermaid'], okLoader());
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.includes('==>|milestone|'));
  });

  test('check prints ok with the service count and the shutdown-budget warnings', async () => {
    const r = await cli(['check', '-c', 'x.yaml'], okLoader(['the shutdown plan can take 30s, more than Docker waits (10s)']));
    assert.equal(r.code, 0);
    assert.equal(r.out, 'ok: 5 services\n');
    assert.equal(r.err, 'warning: the shutdown plan can take 30s, more than Docker waits (10s)\n');
  });

  test('check prints every config error as file:line:col and exits 2', async () => {
    const bad: ConfigModule = {
      ...okLoader(),
      loadConfigFile: () => {
        throw sampleConfigError();
      },
    };
    const r = await cli(['check'], bad);
    assert.equal(r.code, 2);
    assert.match(r.err, /^\/etc\/dinit\.yaml:3:5: unknown key 'depend-on' \(did you mean 'depends-on'\?\)\n\/etc\/dinit\.yaml:9:14: /);
  });

  test('schema prints the shipped JSON Schema', async () => {
    const file = join(repoRoot, 'schema', 'dinit.schema.json');
    const r = await cli(['schema']);
    if (existsSync(file)) {
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out.trimEnd(), readFileSync(file, 'utf8').trimEnd());
    } else {
      assert.equal(r.code, 1);
      assert.match(r.err, /JSON Schema is missing/);
    }
  });

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const r = await cli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.out, `dinit ${pkg.version}\n`);
  });

  test('--help lists every command and the exit codes', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    for (const verb of ['run', 'status', 'start', 'stop', 'restart', 'signal', 'logs', 'reload', 'shutdown', 'health', 'wait', 'graph', 'check', 'schema', 'is-started', 'is-failed', 'events', 'scale']) {
      assert.match(r.out, new RegExp(`^  ${verb} `, 'm'), verb);
    }
    assert.match(r.out, /Exit codes: 0 ok, 1 operation failed, 2 usage or config error, 3 supervisor unreachable/);
  });

  test('COMMAND --help shows a usage line, the options and an example for every command', async () => {
    for (const verb of ['run', 'status', 'start', 'stop', 'restart', 'signal', 'logs', 'reload', 'shutdown', 'health', 'wait', 'graph', 'check', 'schema', 'is-started', 'is-failed', 'events', 'scale']) {
      const r = await cli([verb, '--help']);
      assert.equal(r.code, 0, verb);
      assert.match(r.out, new RegExp(`^Usage: dinit (\\[run\\]|${verb})`), verb);
      assert.match(r.out, /\nOptions:\n/, verb);
      assert.match(r.out, /\nExamples?:\n {2}\S/, verb);
    }
  });

  test('an unknown command suggests the closest one and exits 2', async () => {
    const r = await cli(['stauts']);
    assert.equal(r.code, 2);
    assert.equal(r.err, "dinit: unknown command 'stauts' — did you mean 'status'? (to supervise a program of that name: dinit -- stauts ...)\n");
    // Any other word is Docker's CMD after the ENTRYPOINT: see test/e2e/main-and-errors.
  });

  test('an unknown option is a usage error naming it', async () => {
    const r = await cli(['status', '--jsno']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown option '--jsno'/);
  });
});
