// Values from `environment` and env-files are secrets as often as not. None
// of them may show up in what dinit itself says: status (table and JSON), its
// own log lines (as `dinit logs` returns them and on its stdout), health, graph,
// the config verb, or the errors of a config that fails to load or reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '../../src/control/protocol.js';
import { rawConnect } from '../control/raw-client.js';
import { makeTmpDir, writeConfig } from '../helpers/dinit-process.js';
import { fixture, waitStarted } from '../e2e/support.js';
import { cli, ownBin, startOwn } from '../fuzz/own-build.js';
import { spawnSync } from 'node:child_process';

const SECRETS = ['s3cr3t-global-A', 's3cr3t-envfile-B', 's3cr3t-service-C', 's3cr3t-svcfile-D', 's3cr3t-from-dinit-env-E'] as const;

function assertClean(what: string, text: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${what} leaks ${s}:\n${text}`);
}

test("no environment or env-file value appears in status, dinit's own lines, logs, health, graph or the config verb", async (t) => {
  const dir = makeTmpDir('dinit-sec-secrets-');
  writeFileSync(join(dir, 'global.env'), `TOKEN_B=${SECRETS[1]}\n`);
  writeFileSync(join(dir, 'svc.env'), `TOKEN_D="${SECRETS[3]}"\n`);
  const file = writeConfig(
    dir,
    `env-file: global.env
environment:
  TOKEN_A: ${SECRETS[0]}
  TOKEN_E: \${OUTER_SECRET}
services:
  canary:
    command: ${fixture('long-running.js')}
    environment: { TOKEN_C: ${SECRETS[2]} }
    env-file: svc.env
  crasher:
    command: [sh, -c, "exit 3"]
    environment: { TOKEN_C: ${SECRETS[2]} }
    restart: never
  unrunnable:
    command: [/nonexistent/prog]
    env-file: svc.env
    restart: never
  waiter:
    command: [sleep, "1000"]
    ready: { exec: [sh, -c, "exit 1"], interval: 50ms }
    start-timeout: 300ms
    environment: { TOKEN_C: ${SECRETS[2]} }
    restart: never
`,
  );
  const d = await startOwn({ config: file, dir, t, env: { OUTER_SECRET: SECRETS[4] } });
  await waitStarted(d, 'canary', { timeoutMs: 10_000 });
  await d.waitForLine(/^\[dinit\] crasher exited with code 3/);
  await d.waitForLine(/^\[dinit\] unrunnable failed to start/);
  await d.waitForLine(/^\[dinit\] waiter failed/, { timeoutMs: 10_000 });

  for (const args of [['status'], ['status', '--json'], ['logs', '-n', '1000'], ['health'], ['graph'], ['graph', '--format', 'mermaid']]) {
    const r = await cli(d, args);
    assertClean(`dinit ${args.join(' ')}`, r.stdout + r.stderr);
  }
  const c = await rawConnect(d.socket);
  c.send(JSON.stringify({ v: PROTOCOL_VERSION, id: 1, verb: 'config', args: {} }) + '\n');
  const reply = await c.next();
  c.close();
  assert.equal(reply.ok, true);
  assertClean('the config verb', JSON.stringify(reply));
  assertClean("dinit's own output", d.lines().join('\n'));
});

test('config errors locate a malformed secret without quoting it: env-file lines and ${…} in environment values', async (t) => {
  const dir = makeTmpDir('dinit-sec-cfgerr-');
  writeFileSync(join(dir, 'bad.env'), `GOOD=x\nTOKEN_B ${SECRETS[1]}\nTOKEN_D="${SECRETS[3]}" trailing-${SECRETS[3]}\n`);
  const file = writeConfig(
    dir,
    `env-file: bad.env
environment:
  TOKEN_A: "${SECRETS[0]}\${"
services:
  web: { command: [sleep, "1"] }
`,
  );
  const r = spawnSync(process.execPath, [ownBin, 'check', '-c', file], { encoding: 'utf8', cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 2, r.stderr);
  assertClean('dinit check', r.stdout + r.stderr);
  // Still located: the user can find the line without the value being printed.
  assert.match(r.stderr, /bad\.env:2:1: not a KEY=VALUE line/);
  assert.match(r.stderr, /bad\.env:3:\d+: TOKEN_D: unexpected text after the closing quote/);
  assert.match(r.stderr, /dinit\.yaml:3:\d+: environment: unclosed "\$\{"/);

  // The same errors through reload and SIGHUP land in dinit's own log: clean too.
  writeFileSync(file, 'services:\n  web: { command: [sleep, "1000"] }\n');
  const d = await startOwn({ config: file, dir, t });
  await waitStarted(d, 'web', { timeoutMs: 10_000 });
  writeFileSync(file, `env-file: bad.env\nenvironment:\n  TOKEN_A: "${SECRETS[0]}\${"\nservices:\n  web: { command: [sleep, "1000"] }\n`);
  const reload = await cli(d, ['reload']);
  assert.equal(reload.code, 2);
  assertClean('dinit reload', reload.stdout + reload.stderr);
  await d.signal('SIGHUP');
  await d.waitForLine(/reload \(SIGHUP\) rejected/);
  await d.waitForLine(/not a KEY=VALUE line/);
  assertClean("dinit's log after a rejected SIGHUP reload", d.lines().join('\n'));
  const logs = await cli(d, ['logs', '-n', '1000']);
  assertClean('dinit logs', logs.stdout);
});
