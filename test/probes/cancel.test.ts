// cancel() must leave nothing behind: each kind runs in its own process (see
// cancel-child.ts), which has to exit by itself once the probe is cancelled.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildRoot } from '../helpers/paths.js';
import { DEADLINE, freePort, waitGone, withDeadline } from './support.js';

const childScript = join(buildRoot, 'test', 'probes', 'cancel-child.js');

async function runChild(t: { after(fn: () => unknown): void }, kind: string) {
  const dir = mkdtempSync(join(tmpdir(), 'dinit-cancel-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pidFile = join(dir, 'pid');
  const child = spawn(process.execPath, [childScript, kind, String(await freePort()), pidFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  t.after(() => child.kill('SIGKILL'));
  // 'close', not 'exit': the output must be read to the end before it is checked.
  const exit = await withDeadline(
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal }))),
    DEADLINE,
    `pid ${child.pid} to exit`,
  ).catch((err: Error) => {
    throw new Error(`${kind}: the process did not exit by itself after cancel (output: ${JSON.stringify(out)}): ${err.message}`);
  });
  assert.deepEqual(exit, { code: 0, signal: null }, out);
  assert.match(out, /cancelled\n$/);
  const service = /service (\d+)/.exec(out);
  if (service) {
    process.kill(Number(service[1]), 'SIGKILL');
  }
  return { out, pidFile };
}

// Independent tests, run concurrently to keep the suite fast.
describe('cancel() releases everything', { concurrency: true }, () => {
  for (const kind of ['tcp', 'http', 'log', 'notify-fd', 'notify-systemd', 'notify-systemd-close', 'notify-fd-close', 'health-tcp', 'health-http']) {
    test(`after cancelling a ${kind} probe nothing keeps the process alive`, async (t) => {
      await runChild(t, kind);
    });
  }

  test('cancelling an exec probe in flight kills its command and lets the process exit', async (t) => {
    for (const kind of ['exec', 'health-exec']) {
      const { pidFile } = await runChild(t, kind);
      assert.ok(existsSync(pidFile), `${kind}: the probe command had started`);
      await withDeadline(waitGone(Number(readFileSync(pidFile, 'utf8'))), DEADLINE, `${kind}: the probe command to die`);
    }
  });
});
