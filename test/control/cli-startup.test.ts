// Start-up cost: `docker exec CTR dinit status` pays for every module the
// client path loads. A resolve hook records what a real process loads.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { buildRoot } from '../helpers/paths.js';
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
  writeFileSync(
    runner,
    `import { runCli } from ${JSON.stringify(pathToFileURL(join(buildRoot, 'src', 'cli', 'main.js')).href)};\nprocess.exitCode = await runCli(process.argv.slice(2), process.env);\n`,
  );

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

  const forbidden = ['/node_modules/yaml/', '/node_modules/chalk/', '/node_modules/koffi/', '/src/config/', '/src/runtime/', '/src/core/', '/src/control/server.js'];

  for (const verb of ['status', 'health', 'logs', 'start']) {
    test(`'dinit ${verb}' loads the client and nothing of the config loader, runtime or colour library`, async (t) => {
      const r = await loadedBy(verb === 'start' ? [verb, 'web'] : [verb], verb);
      assert.equal(r.code, 3, r.stderr);
      assert.ok(r.modules.some((m) => m.endsWith('/src/control/client.js')), 'the client was loaded');
      for (const f of forbidden) assert.ok(!r.modules.some((m) => m.includes(f)), `${f} was loaded: ${r.modules.filter((m) => m.includes(f)).join(', ')}`);
      t.diagnostic(`${r.modules.filter((m) => m.startsWith('file:')).length} own modules`);
    });
  }

  test("'dinit --version' loads no client code", async () => {
    const r = await loadedBy(['--version'], 'version');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.modules.some((m) => m.includes('/src/control/')));
  });
});
