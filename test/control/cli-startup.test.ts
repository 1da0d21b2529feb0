// Start-up cost: `docker exec CTR dinit status` pays for every module the
// client path loads. A resolve hook records what a real process loads.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { dinitBin } from '../helpers/dinit-process.js';
import { buildRoot, repoRoot } from '../helpers/paths.js';
import { tempDir } from './fake-target.js';

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

// The installed launcher: bin/dinit.cjs runs client verbs from ONE CommonJS
// file (dist/lib/client.cjs, built by scripts/build-lib.mjs) and loads the
// full CLI (ESM) only for the other verbs, and the supervisor from one more
// CommonJS file (dist/lib/supervise.cjs). A --require preload records every
// CommonJS file loaded, a resolve hook every ESM module.
describe('installed launcher (bin/dinit.cjs)', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const lib = join(repoRoot, 'dist', 'lib');
  const preload = join(tmp.dir, 'preload.cjs');
  const hooks = join(tmp.dir, 'hooks.mjs');
  const register = join(tmp.dir, 'register.mjs');
  // Each CommonJS file as it loads (the supervisor ends with _exit: no 'exit' event to list them at).
  writeFileSync(
    preload,
    `const M = require('node:module');\nconst { appendFileSync } = require('node:fs');\nconst load = M._load;\nM._load = function (request, parent, isMain) {\n  const r = load.apply(this, arguments);\n  try {\n    appendFileSync(process.env.DINIT_TRACE_FILE, 'cjs:' + M._resolveFilename(request, parent, isMain) + '\\n');\n  } catch {}\n  return r;\n};\n`,
  );
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(spec, ctx, next) {\n  const r = await next(spec, ctx);\n  appendFileSync(process.env.DINIT_TRACE_FILE, 'esm:' + r.url + '\\n');\n  return r;\n}\n`,
  );
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

  function launch(args: string[], name: string): Promise<{ code: number | null; own: string[]; stdout: string; stderr: string }> {
    const trace = join(tmp.dir, `${name}.trace`);
    writeFileSync(trace, '');
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--require', preload, '--import', pathToFileURL(register).href, dinitBin, ...args], {
        env: { ...process.env, DINIT_TRACE_FILE: trace, DINIT_SOCKET: join(tmp.dir, 'absent.sock') },
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
        const own = lines.map((l) => l.replace(/^(cjs|esm):(file:\/\/)?/, '')).filter((f) => f.startsWith(repoRoot) && !f.startsWith(tmp.dir));
        resolve({ code, own: [...new Set(own)], stdout, stderr });
      });
    });
  }

  for (const verb of ['status', 'health', 'logs', 'stop', 'is-started']) {
    test(`'dinit ${verb}' reads two files of dinit: the launcher and client.cjs`, async () => {
      const r = await launch(verb === 'stop' || verb === 'is-started' ? [verb, 'web'] : [verb], verb);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /no dinit supervisor answers/);
      assert.deepEqual(r.own.sort(), [dinitBin, join(lib, 'client.cjs')].sort());
    });
  }

  test("the supervisor ('dinit -- CMD', 'dinit CMD') reads the launcher, client.cjs and supervise.cjs: no ESM module", async () => {
    for (const args of [['--', 'true'], ['true']]) {
      const r = await launch(args, `run-${args.length}`);
      assert.equal(r.code, 0, r.stderr);
      const own = r.own.filter((f) => !f.includes('/node_modules/')); // koffi is the supervisor's, and CommonJS
      assert.deepEqual(own.sort(), [dinitBin, join(lib, 'client.cjs'), join(lib, 'supervise.cjs')].sort(), args.join(' '));
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

  test('client.cjs was built from the client verbs alone', () => {
    const inputs = JSON.parse(readFileSync(join(lib, 'client-inputs.json'), 'utf8')) as string[];
    assert.ok(inputs.includes('src/control/client.ts'));
    // top goes through the full CLI: its screen code costs `dinit status` nothing. chalk may be
    // in it, import()ed only when there is colour to paint: the tests above show that a plain
    // verb loads none of it.
    for (const f of ['node_modules/yaml/', 'node_modules/js-yaml/', 'node_modules/koffi/', 'src/config/', 'src/runtime/', 'src/core/', 'src/control/server.ts', 'src/control/http.ts', 'src/cli/top.ts']) {
      assert.ok(!inputs.some((i) => i.includes(f)), `${f} is in client.cjs`);
    }
  });
});
