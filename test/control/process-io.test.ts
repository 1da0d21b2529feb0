// processIO({ writeSync: true }), what the client's fast lane writes `dinit
// status` with: write(2) on fd 1, all of it out before the process.exit that
// follows (process.stdout over a pipe is asynchronous, and process.exit drops
// what the pipe has not taken), and handing over to process.stdout, in order,
// when a non-blocking stdout is full.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { buildRoot } from '../helpers/paths.js';

const context = pathToFileURL(join(buildRoot, 'src', 'cli', 'context.js')).href;

/** n numbered lines (the child makes the same text from this function's source). */
function lines(n: number): string {
  return Array.from({ length: n }, (_, i) => `line ${i} ${'x'.repeat(60)}\n`).join('');
}

/**
 * Runs `body` (ESM, with processIO and lines in scope) in a child whose stdout is read only
 * once its stderr has said `readFrom` (at once if not given), with a deadline.
 */
function child(body: string, readFrom?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const src = `import { processIO } from ${JSON.stringify(context)};\nconst lines = ${lines.toString()};\n${body}`;
    const c = spawn(process.execPath, ['--input-type=module', '-e', src], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const deadline = setTimeout(() => {
      c.kill('SIGKILL');
      reject(new Error(`the child did not get as far as '${readFrom}' on a stdout nobody read: ${err}`));
    }, 20_000);
    if (readFrom) c.stdout.pause();
    c.stdout.on('data', (d: Buffer) => out.push(d));
    c.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (readFrom && err.includes(readFrom)) c.stdout.resume();
    });
    c.on('error', reject);
    c.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, out: Buffer.concat(out).toString(), err });
    });
  });
}

test('writeSync: a large answer is all written before the process.exit that follows', async () => {
  // ~2.7 MB: far more than a pipe or socket buffer takes at once.
  const r = await child('const io = processIO({ writeSync: true }); io.out(lines(40_000)); process.exit(0);');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, lines(40_000));
});

test('writeSync: a non-blocking stdout that is full hands the rest to process.stdout, in order, and flushed() waits for it', async () => {
  // Making process.stdout first turns fd 1 non-blocking (libuv): with nobody reading yet, write(2)
  // meets EAGAIN once the buffer is full, and out() must hand over instead of blocking.
  const r = await child("process.stdout; const io = processIO({ writeSync: true }); io.out(lines(30_000)); io.out(lines(10)); process.stderr.write('queued\\n'); await io.flushed(); process.exit(0);", 'queued');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, lines(30_000) + lines(10));
});
