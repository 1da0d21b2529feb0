// Start-up cost: `docker exec CTR dinit status` pays for every module the
// client path loads. A resolve hook records what a real process loads.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { dinitBin } from '../helpers/dinit-process.js';
import { buildRoot, repoRoot } from '../helpers/paths.js';
import { runCli } from '../../src/cli/main.js';
import { startControlServer } from '../../src/control/server.js';
import { FakeTarget, captureIO, svcStatus, tempDir } from './fake-target.js';

describe('CLI start-up', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const hooks = join(tmp.dir, 'hooks.mjs');
  const register = join(tmp.dir, 'register.mjs');
  const runner = join(tmp.dir, 'runner.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  appendFileSync(process.env.DINIT_TRACE_FILE, r.url + '\\n');
  return r;
}
`,
  );
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  writeFileSync(runner, `import { runCli } from ${JSON.stringify(pathToFileURL(join(buildRoot, 'src', 'cli', 'main.js')).href)};\nprocess.exitCode = await runCli(process.argv.slice(2), process.env);\n`);

  function loadedBy(args: string[], name: string): Promise<{ code: number | null; modules: string[]; stderr: string }> {
    const trace = join(tmp.dir, `${name}.trace`);
    writeFileSync(trace, '');
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', pathToFileURL(register).href, runner, ...args], {
        env: { ...process.env, DINIT_TRACE_FILE: trace, DINIT_SOCKET: join(tmp.dir, 'absent.sock') },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr, modules: readFileSync(trace, 'utf8').split('\n').filter(Boolean) }));
    });
  }

  const forbidden = ['/node_modules/yaml/', '/node_modules/js-yaml/', '/node_modules/chalk/', '/node_modules/koffi/', '/src/config/', '/src/runtime/', '/src/core/', '/src/control/server.js'];

  for (const verb of ['status', 'health', 'logs', 'start']) {
    test(`'dinit ${verb}' loads the client and nothing of the config loader, runtime or colour library`, async (t) => {
      const r = await loadedBy(verb === 'start' ? [verb, 'web'] : [verb], verb);
      assert.equal(r.code, 3, r.stderr);
      assert.ok(
        r.modules.some((m) => m.endsWith('/src/control/client.js')),
        'the client was loaded',
      );
      for (const f of forbidden) assert.ok(!r.modules.some((m) => m.includes(f)), `${f} was loaded: ${r.modules.filter((m) => m.includes(f)).join(', ')}`);
      t.diagnostic(`${r.modules.filter((m) => m.startsWith('file:')).length} own modules`);
    });
  }

  test("'dinit top' loads the client and its screen, nothing of the config loader, runtime or colour library", async () => {
    const r = await loadedBy(['top'], 'top');
    assert.equal(r.code, 2, r.stderr); // no terminal here: it refuses before connecting
    assert.ok(
      r.modules.some((m) => m.endsWith('/src/cli/top.js')),
      'top was loaded',
    );
    for (const f of forbidden) assert.ok(!r.modules.some((m) => m.includes(f)), `${f} was loaded: ${r.modules.filter((m) => m.includes(f)).join(', ')}`);
  });

  test("'dinit status' does not load top's screen", async () => {
    const r = await loadedBy(['status'], 'status-no-top');
    assert.ok(!r.modules.some((m) => m.endsWith('/src/cli/top.js')));
  });

  test("'dinit --version' loads no client code", async () => {
    const r = await loadedBy(['--version'], 'version');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.modules.some((m) => m.includes('/src/control/')));
  });
});

// The installed launcher: bin/dinit.cjs runs a plain `dinit status` from ONE
// small CommonJS file (dist/lib/client.cjs, built by scripts/build-lib.mjs),
// the other client verbs from one more (client-verbs.cjs), and loads the full
// CLI (ESM) only for the other verbs, and the supervisor from one more
// CommonJS file (dist/lib/supervise.cjs). A --require preload records every
// CommonJS file loaded, a resolve hook every ESM module.
describe('installed launcher (bin/dinit.cjs)', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const lib = join(repoRoot, 'dist', 'lib');
  /** What every launch reads: the launcher, the client entry and its code cache for this Node. */
  const cache = join(lib, `client-${process.version}.cache`);
  const entry = [dinitBin, join(lib, 'client.cjs'), cache];
  const preload = join(tmp.dir, 'preload.cjs');
  const hooks = join(tmp.dir, 'hooks.mjs');
  const register = join(tmp.dir, 'register.mjs');
  // Each CommonJS file as it loads, and each file read whole (the launcher reads client.cjs and its
  // code cache itself: it compiles them with vm.Script). The supervisor ends with _exit: no 'exit'
  // event to list them at.
  writeFileSync(
    preload,
    `const M = require('node:module');\nconst fs = require('node:fs');\nconst { appendFileSync } = fs;\nconst load = M._load;\nM._load = function (request, parent, isMain) {\n  const r = load.apply(this, arguments);\n  try {\n    appendFileSync(process.env.DINIT_TRACE_FILE, 'cjs:' + M._resolveFilename(request, parent, isMain) + '\\n');\n  } catch {}\n  return r;\n};\nconst read = fs.readFileSync;\nfs.readFileSync = function (path) {\n  if (typeof path === 'string') appendFileSync(process.env.DINIT_TRACE_FILE, 'read:' + path + '\\n');\n  return read.apply(this, arguments);\n};\n`,
  );
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(spec, ctx, next) {\n  const r = await next(spec, ctx);\n  appendFileSync(process.env.DINIT_TRACE_FILE, 'esm:' + r.url + '\\n');\n  return r;\n}\n`,
  );
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

  function launch(args: string[], name: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; own: string[]; stdout: string; stderr: string }> {
    const trace = join(tmp.dir, `${name}.trace`);
    writeFileSync(trace, '');
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--require', preload, '--import', pathToFileURL(register).href, dinitBin, ...args], {
        env: { ...process.env, DINIT_TRACE_FILE: trace, DINIT_SOCKET: join(tmp.dir, 'absent.sock'), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: tmp.dir,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        const lines = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
        // Only dinit's own files: not the tracing files in tmp, not node: builtins.
        const own = lines.map((l) => l.replace(/^(cjs|esm|read):(file:\/\/)?/, '')).filter((f) => f.startsWith(repoRoot) && !f.startsWith(tmp.dir));
        resolve({ code, own: [...new Set(own)], stdout, stderr });
      });
    });
  }

  test("'dinit status' reads the launcher, client.cjs and its code cache, nothing else of dinit", async () => {
    const r = await launch(['status'], 'status');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /no dinit supervisor answers/);
    assert.deepEqual(r.own.sort(), entry.sort());
  });

  for (const verb of ['health', 'logs', 'stop', 'is-started']) {
    test(`'dinit ${verb}' reads what status reads, and client-verbs.cjs`, async () => {
      const r = await launch(verb === 'stop' || verb === 'is-started' ? [verb, 'web'] : [verb], verb);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /no dinit supervisor answers/);
      assert.deepEqual(r.own.sort(), [...entry, join(lib, 'client-verbs.cjs')].sort());
    });
  }

  test("a plain 'dinit status' (the fast lane) prints exactly what the full CLI prints: table, orphans line, --json, errors", async () => {
    const target = new FakeTarget();
    // No started service: no uptime, so the two runs cannot differ by a second.
    target.services = [
      svcStatus('db', { state: 'stopped', pid: null, failed: true, reason: 'exited with code 1', exitCode: 1 }),
      svcStatus('web', { state: 'starting', pid: 43, ready: false, statusText: 'warming \x1b[2J up' }),
    ];
    target.orphanList = [{ pid: 4242, comm: 'sleep' }];
    const sock = join(tmp.dir, 'lane.sock');
    const server = await startControlServer(sock, target);
    try {
      for (const args of [['status'], ['status', '--json'], ['status', 'web'], ['status', 'nope'], ['status', '--bogus'], ['status', 'web', '--socket', sock]]) {
        const viaLauncher = await launch(args, 'lane', { DINIT_SOCKET: sock, NO_COLOR: '1' });
        assert.deepEqual(viaLauncher.own.sort(), entry.sort(), args.join(' '));
        const io = captureIO();
        const code = await runCli(args, { DINIT_SOCKET: sock, NO_COLOR: '1' }, { io });
        assert.deepEqual({ code: viaLauncher.code, out: viaLauncher.stdout, err: viaLauncher.stderr }, { code, out: io.stdout, err: io.stderr }, args.join(' '));
      }
    } finally {
      await server.close();
    }
  });

  test("a plain 'dinit status' of 20000 services into a pipe prints the whole table before it exits", async () => {
    // ~1.5 MB: a pipe takes far less at once, and process.exit dropped the rest (all but 64 KiB).
    const target = new FakeTarget();
    target.services = Array.from({ length: 20_000 }, (_, i) => svcStatus(`service-${i}`, { state: 'stopped', pid: null }));
    const sock = join(tmp.dir, 'big.sock');
    const server = await startControlServer(sock, target);
    try {
      const viaLauncher = await launch(['status'], 'big', { DINIT_SOCKET: sock, NO_COLOR: '1' });
      const io = captureIO();
      await runCli(['status'], { DINIT_SOCKET: sock, NO_COLOR: '1' }, { io });
      assert.equal(viaLauncher.code, 0, viaLauncher.stderr);
      assert.equal(viaLauncher.stdout.length, io.stdout.length);
      assert.equal(viaLauncher.stdout, io.stdout);
    } finally {
      await server.close();
    }
  });

  test("the other client verbs and the full CLI print their whole output into a pipe before they exit ('dinit logs -n 20000', 'dinit graph')", async () => {
    // ~1 MB each: a pipe takes far less at once, and process.exit dropped the rest.
    const target = new FakeTarget();
    target.lines = Array.from({ length: 20_000 }, (_, i) => ({ time: 0, service: 'web', stream: 'stdout' as const, line: `line ${i} ${'x'.repeat(40)}` }));
    const sock = join(tmp.dir, 'logs.sock');
    const server = await startControlServer(sock, target);
    try {
      const logs = await launch(['logs', '-n', '20000'], 'big-logs', { DINIT_SOCKET: sock, NO_COLOR: '1' });
      assert.equal(logs.code, 0, logs.stderr);
      assert.equal(logs.stdout.split('\n').filter(Boolean).length, 20_000);
      assert.match(logs.stdout, /line 19999 x+\n$/);
    } finally {
      await server.close();
    }
    const config = join(tmp.dir, 'many.yaml');
    writeFileSync(config, 'services:\n' + Array.from({ length: 3000 }, (_, i) => `  service-number-${i}:\n    command: [sleep, "1"]\n${i ? `    depends-on: [service-number-${i - 1}]\n` : ''}`).join(''));
    const graph = await launch(['graph', '-c', config], 'big-graph', { NO_COLOR: '1' });
    assert.equal(graph.code, 0, graph.stderr);
    assert.ok(graph.stdout.length > 128 * 1024, `only ${graph.stdout.length} bytes`);
    // The graph ends with the last service's edge and the format's closing line.
    assert.match(graph.stdout, /service-number-2999[^\n]*service-number-2998[^]*\n\}\n$/);
  });

  test("'dinit status' with colour to paint, or with --help, goes on to client-verbs.cjs (chalk, the usage text)", async () => {
    const coloured = await launch(['status'], 'status-colour', { FORCE_COLOR: '1' });
    assert.equal(coloured.code, 3, coloured.stderr);
    assert.deepEqual(coloured.own.sort(), [...entry, join(lib, 'client-verbs.cjs')].sort());
    const help = await launch(['status', '--help'], 'status-help');
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: dinit status/);
    assert.deepEqual(help.own.sort(), [...entry, join(lib, 'client-verbs.cjs')].sort());
  });

  test("the supervisor ('dinit -- CMD', 'dinit CMD') reads what status reads, and supervise.cjs: no ESM module", async () => {
    for (const args of [['--', 'true'], ['true']]) {
      const r = await launch(args, `run-${args.length}`);
      assert.equal(r.code, 0, r.stderr);
      const own = r.own.filter((f) => !f.includes('/node_modules/')); // koffi is the supervisor's, and CommonJS
      assert.deepEqual(own.sort(), [...entry, join(lib, 'supervise.cjs'), join(lib, `supervise-${process.version}.cache`)].sort(), args.join(' '));
    }
  });

  test("the code caches fit this Node: V8 accepts each for its file compiled the launcher's way, and each holds the functions a real run ran", () => {
    for (const name of ['client', 'supervise']) {
      const file = join(lib, `${name}.cjs`);
      const cacheFile = join(lib, `${name}-${process.version}.cache`);
      // In a child without NODE_V8_COVERAGE (c8's coverage changes how V8 compiles).
      const check = `const { readFileSync } = require('node:fs');
const file = ${JSON.stringify(file)};
const src = require('node:module').wrap(readFileSync(file, 'utf8'));
const cached = new (require('node:vm').Script)(src, { filename: file, cachedData: readFileSync(${JSON.stringify(cacheFile)}) });
const before = new (require('node:vm').Script)(src, { filename: file }).createCachedData();
console.log(JSON.stringify({ rejected: cached.cachedDataRejected, cache: readFileSync(${JSON.stringify(cacheFile)}).length, compileOnly: before.length }));`;
      const env = { ...process.env };
      delete env.NODE_V8_COVERAGE;
      const r = spawnSync(process.execPath, ['-e', check], { env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const got = JSON.parse(r.stdout) as { rejected: boolean; cache: number; compileOnly: number };
      assert.equal(got.rejected, false, name);
      // Made after a real run: far more than the top level a compile alone caches.
      assert.ok(got.cache > 2 * got.compileOnly, `${name}: ${JSON.stringify(got)}`);
    }
  });

  test('without a code cache for this Node the launcher require()s client.cjs; with one V8 rejects (garbage) it compiles as without one', () => {
    const copy = join(tmp.dir, 'no-cache');
    mkdirSync(join(copy, 'bin'), { recursive: true });
    mkdirSync(join(copy, 'dist', 'lib'), { recursive: true });
    copyFileSync(dinitBin, join(copy, 'bin', 'dinit.cjs'));
    copyFileSync(join(lib, 'client.cjs'), join(copy, 'dist', 'lib', 'client.cjs'));
    for (const bytes of [null, Buffer.from('not a code cache'), readFileSync(cache).subarray(0, 100)]) {
      if (bytes) writeFileSync(join(copy, 'dist', 'lib', `client-${process.version}.cache`), bytes);
      const r = spawnSync(process.execPath, [join(copy, 'bin', 'dinit.cjs'), 'status'], { env: { ...process.env, DINIT_SOCKET: join(tmp.dir, 'absent.sock'), NO_COLOR: '1' }, encoding: 'utf8' });
      assert.equal(r.status, 3, r.stderr);
      assert.match(r.stderr, /^dinit: no dinit supervisor answers on /);
    }
  });

  test("'dinit --version' and 'dinit check' go on to the full CLI", async () => {
    const v = await launch(['--version'], 'version');
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^dinit \d+\.\d+\.\d+/);
    assert.ok(v.own.includes(join(lib, 'dinit.js')), v.own.join(', '));
    writeFileSync(join(tmp.dir, 'dinit.yaml'), 'services:\n  a:\n    command: [sleep, "1"]\n');
    const c = await launch(['check', '-c', join(tmp.dir, 'dinit.yaml')], 'check');
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /ok: 1 service/);
  });

  test('client.cjs and client-verbs.cjs were built from the client verbs alone; client.cjs from the plain status path alone', () => {
    const inputs = JSON.parse(readFileSync(join(lib, 'client-inputs.json'), 'utf8')) as Record<'client.cjs' | 'client-verbs.cjs', string[]>;
    assert.ok(inputs['client.cjs'].includes('src/cli/status.ts'));
    assert.ok(inputs['client.cjs'].includes('src/control/client.ts'));
    assert.ok(inputs['client-verbs.cjs'].includes('src/control/client.ts'));
    // top goes through the full CLI: its screen code costs `dinit status` nothing. chalk may be
    // in client-verbs.cjs, import()ed only when there is colour to paint: the tests above show
    // that a plain verb loads none of it.
    const never = ['node_modules/yaml/', 'node_modules/js-yaml/', 'node_modules/koffi/', 'src/config/', 'src/runtime/', 'src/core/', 'src/control/server.ts', 'src/control/http.ts', 'src/cli/top.ts'];
    for (const [file, list] of Object.entries(inputs)) {
      for (const f of never) assert.ok(!list.some((i) => i.includes(f)), `${f} is in ${file}`);
    }
    for (const f of ['node_modules/chalk/', 'src/cli/usage.ts', 'src/cli/logs.ts', 'src/cli/lifecycle.ts', 'src/bin/client-verbs.ts']) {
      assert.ok(!inputs['client.cjs'].some((i) => i.includes(f)), `${f} is in client.cjs`);
    }
  });
});
