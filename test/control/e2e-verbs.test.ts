// Every CLI verb, as a user types it, against a real supervisor running real
// services: the compiled binary of this build (bin/dinit.js's target) for both.
// Skipped only while the runtime is not built yet.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { makeTmpDir, startDinit, writeConfig, type CliResult, type DinitProcess } from '../helpers/dinit-process.js';
import { buildRoot, fixtureBin } from '../helpers/paths.js';

const bin = join(buildRoot, 'src', 'bin', 'dinit.js');
const runtimeBuilt = existsSync(join(buildRoot, 'src', 'runtime', 'run.js'));
const skip = runtimeBuilt ? false : 'the runtime (src/runtime/run.js) is not built yet';
const node = JSON.stringify(process.execPath);
const fx = (name: string): string => JSON.stringify(fixtureBin(name));

/** A client verb of this build (d.cli runs the binary the supervisor was started from). */
function cli(d: DinitProcess, args: string[], timeoutMs = 15_000): Promise<CliResult> {
  return d.cli(args, timeoutMs);
}

function baseConfig(extra = ''): string {
  return `services:
  db:
    command: [${node}, ${fx('long-running.js')}, db]
    ready: { log: "up db" }
  web:
    command: [${node}, ${fx('long-running.js')}, web]
    depends-on: [db]
  ticker:
    command: [${node}, ${fx('print-lines.js')}, --every, "50", --text, tick]
  lazy:
    command: [${node}, ${fx('long-running.js')}, lazy]
    auto-start: false
${extra}`;
}

async function statusOf(d: DinitProcess): Promise<Map<string, Record<string, unknown>>> {
  const r = await cli(d, ['status', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return new Map((JSON.parse(r.stdout) as Record<string, unknown>[]).map((s) => [s.name as string, s]));
}

describe('the CLI against a real supervisor', { skip }, () => {
  test('status, start, stop, restart, signal, logs, wait, graph, check, schema, reload, SIGHUP and shutdown', async (t) => {
    const dir = makeTmpDir();
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const config = writeConfig(dir, baseConfig());
    const sup = await startDinit({ bin, t, config, dir });
    await sup.waitForLine(/web started/);
    await sup.waitForLine(/ticker\s*\| tick 2/);

    // status: the table and --json
    const table = await cli(sup, ['status']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+LAST-EXIT\s+READY/);
    assert.match(table.stdout, /\ndb\s+started\s+\d+\s+\d+s\s+0\s+-\s+yes/);
    assert.match(table.stdout, /\nlazy\s+stopped\s+-/);
    let st = await statusOf(sup);
    for (const k of ['name', 'state', 'pid', 'restarts', 'ready', 'exitCode', 'exitSignal', 'since']) assert.ok(k in st.get('web')!, k);
    assert.equal(st.get('web')?.state, 'started');

    // start / stop / restart
    let r = await cli(sup, ['start', 'lazy']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'lazy: started\n');
    r = await cli(sup, ['stop', 'web']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await statusOf(sup)).get('web')?.state, 'stopped');
    assert.equal((await cli(sup, ['start', 'web'])).code, 0);
    const mark = sup.mark();
    r = await cli(sup, ['restart', 'db']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'db: restarted\n');
    await sup.waitForLine(/web started/, { from: mark });
    r = await cli(sup, ['wait', 'web', 'db', '--timeout', '5s']);
    assert.equal(r.code, 0, r.stderr);
    st = await statusOf(sup);
    assert.equal(st.get('db')?.state, 'started');
    assert.equal(st.get('web')?.state, 'started');
    const unknown = await cli(sup, ['start', 'nosuch']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /nosuch/);

    // signal
    const m2 = sup.mark();
    r = await cli(sup, ['signal', 'TERM', 'lazy']);
    assert.equal(r.code, 0, r.stderr);
    await sup.waitForLine(/lazy\s*\| bye lazy/, { from: m2 });

    // logs
    r = await cli(sup, ['logs', 'ticker', '-n', '2']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    for (const l of lines) assert.match(l, /^ticker\s*\| tick \d+$/);

    // logs -f follows until SIGINT
    const follower = spawn(process.execPath, [bin, 'logs', '-f', '-n', '0', 'ticker'], { env: sup.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let followed = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no followed line: ${followed}`)), 10_000);
      follower.stdout.setEncoding('utf8').on('data', (c: string) => {
        followed += c;
        if (/tick \d+\n[^]*tick \d+\n/.test(followed)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const followerExit = new Promise<number | null>((res) => follower.on('close', (code) => res(code)));
    follower.kill('SIGINT');
    assert.equal(await followerExit, 0);

    // graph (from the running supervisor), check, schema
    r = await cli(sup, ['graph']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes('"web" -> "db";'));
    r = await cli(sup, ['check', '-c', config]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok: 4 services\n/);
    r = await cli(sup, ['schema']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(typeof JSON.parse(r.stdout), 'object');

    // reload: added, removed, changed
    writeFileSync(
      config,
      baseConfig(`  extra:
    command: [${node}, ${fx('long-running.js')}, extra]
`)
        .replace(/ {2}lazy:\n( {4}.*\n)+/, '')
        .replace('--text, tick]', '--text, tock]'),
    );
    r = await cli(sup, ['reload']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /added: extra/);
    assert.match(r.stdout, /removed: lazy/);
    assert.match(r.stdout, /restarted \(changed\): ticker/);
    await sup.waitForLine(/ticker\s*\| tock/);

    // reload of an invalid file: located errors, exit 2, nothing changed
    writeFileSync(config, baseConfig().replace('depends-on: [db]', 'depend-on: [db]'));
    r = await cli(sup, ['reload']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /dinit\.yaml:\d+:\d+: .*depend-on/);
    st = await statusOf(sup);
    assert.ok(st.has('extra'), 'the running config is unchanged');
    assert.ok(!st.has('lazy'));
    r = await cli(sup, ['check', '-c', config]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /dinit\.yaml:\d+:\d+: /);

    // SIGHUP = reload
    writeFileSync(
      config,
      baseConfig(`  hup:
    command: [${node}, ${fx('long-running.js')}, hup]
`),
    );
    const m3 = sup.mark();
    await sup.signal('SIGHUP');
    await sup.waitForLine(/hup started/, { from: m3, timeoutMs: 10_000 });
    assert.equal((await statusOf(sup)).get('hup')?.state, 'started');

    // shutdown: the supervisor stops everything and exits 0; then it is unreachable
    r = await cli(sup, ['shutdown']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await sup.exited(15_000)).code, 0);
    r = await cli(sup, ['status']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /no dinit supervisor answers on .* — is it running\? pass --socket or set DINIT_SOCKET/);
  });

  test('health is 0 while everything wanted is up, 1 naming the service once one has failed', async (t) => {
    const dir = makeTmpDir();
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const config = writeConfig(
      dir,
      `services:
  ok:
    command: [${node}, ${fx('long-running.js')}, ok]
  victim:
    command: [${node}, ${fx('long-running.js')}, victim]
    restart: never
`,
    );
    const sup = await startDinit({ bin, t, config, dir });
    await sup.waitForLine(/ok started/);
    await sup.waitForLine(/victim started/);
    let r = await cli(sup, ['health']);
    assert.equal(r.code, 0, r.stderr);
    const mark = sup.mark();
    r = await cli(sup, ['signal', 'KILL', 'victim']);
    assert.equal(r.code, 0, r.stderr);
    await sup.waitForLine(/victim.*SIGKILL/, { from: mark });
    r = await cli(sup, ['health']);
    assert.equal(r.code, 1, r.stdout + sup.dump());
    assert.match(r.stderr, /victim/);
    assert.equal((await cli(sup, ['shutdown'])).code, 0);
    await sup.exited(15_000);
  });
});
