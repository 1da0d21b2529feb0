// The control socket is the supervisor's steering wheel: only its owner may
// connect. A client running as uid 65534 (nobody) is refused by the kernel
// (EACCES on the 0600 socket) even when the directory around it is open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { makeTmpDir, writeConfig } from '../helpers/dinit-process.js';
import { fixture, waitStarted } from '../e2e/support.js';
import { startOwn, statusJson } from '../fuzz/own-build.js';

const NOBODY = 65534;

/** Try to connect (and send a status request) as another uid; resolves with what happened. */
function connectAs(uid: number, path: string): Promise<string> {
  const script = `
    const s = require('node:net').createConnection(process.argv[1]);
    s.on('connect', () => { s.write(JSON.stringify({ v: 1, id: 1, verb: 'status', args: {} }) + '\\n'); });
    s.on('data', (d) => { process.stdout.write('ANSWERED ' + d); process.exit(0); });
    s.on('error', (e) => { process.stdout.write('ERROR ' + e.code); process.exit(0); });
    s.on('close', () => { process.stdout.write(' CLOSED'); process.exit(0); });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, path], { uid, gid: uid, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let outText = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (outText += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (outText += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(outText);
    });
  });
}

test('the control socket refuses a client running as another user (uid 65534), and the owner still gets answers', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run a client as uid 65534');
  const dir = makeTmpDir('dinit-sec-sock-');
  chmodSync(dir, 0o755); // an open directory: the socket's own mode must do the refusing
  const file = writeConfig(dir, `services:\n  canary:\n    command: ${fixture('long-running.js')}\n`);
  const d = await startOwn({ config: file, dir, t });
  await waitStarted(d, 'canary', { timeoutMs: 10_000 });
  const st = statSync(d.socket);
  assert.equal(st.mode & 0o777, 0o600, 'socket mode');
  assert.equal(st.uid, process.getuid());
  const result = await connectAs(NOBODY, d.socket);
  assert.match(result, /^ERROR EACCES/, `uid ${NOBODY} got: ${result}`);
  assert.doesNotMatch(result, /ANSWERED/);
  assert.equal((await statusJson(d)).length, 1, 'the owner is still served');
});

test('a socket path inside a directory dinit creates is unreachable for others from the directory on (0700)', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run a client as uid 65534');
  const dir = makeTmpDir('dinit-sec-sockdir-');
  chmodSync(dir, 0o755);
  const socket = `${dir}/private/run/dinit.sock`;
  const file = writeConfig(dir, `services:\n  canary:\n    command: ${fixture('long-running.js')}\n`);
  const d = await startOwn({ config: file, dir, socket, t });
  await waitStarted(d, 'canary', { timeoutMs: 10_000 });
  assert.equal(statSync(`${dir}/private/run`).mode & 0o777, 0o700);
  const result = await connectAs(NOBODY, socket);
  assert.match(result, /^ERROR EACCES/, `uid ${NOBODY} got: ${result}`);
});
