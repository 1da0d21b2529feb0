// The two system calls the reaper's hot path is made of: waitid(WNOWAIT) names
// an exited child without reaping it, waitpid(pid) reaps exactly that one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { peekExited, reapIfExited } from '../../src/os/libc.js';
import { readStat } from '../../src/os/proc.js';

/** Busy-wait (the event loop does not turn, so libuv cannot reap) until cond() or the deadline. */
function spinUntil(cond: () => boolean, ms: number): boolean {
  const end = Date.now() + ms;
  while (!cond()) if (Date.now() > end) return false;
  return true;
}

describe('reaping by peeking', () => {
  it('peekExited names an exited child but leaves it a zombie, so Node still gets its exit status', async () => {
    assert.equal(peekExited(), 0, 'no exited child yet');
    const child = spawn('sh', ['-c', 'exit 7'], { stdio: 'ignore' });
    const pid = child.pid!;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    assert.ok(
      spinUntil(() => peekExited() === pid, 5000),
      'the exited child is named',
    );
    assert.equal(peekExited(), pid, 'and named again: the peek reaped nothing');
    assert.equal(readStat(pid)?.state, 'Z');
    assert.equal(await exited, 7, 'libuv reaped it with its status');
    assert.equal(peekExited(), 0);
  });

  it('reapIfExited reaps an exited child, leaves a live one, refuses anything but one pid', async () => {
    const live = spawn('sleep', ['30'], { stdio: 'ignore' });
    const dead = spawn('sh', ['-c', 'exit 3'], { stdio: 'ignore' });
    dead.unref(); // its status is taken below, so libuv never reports it: it must not hold the loop
    try {
      assert.equal(reapIfExited(live.pid!), 'running');
      assert.ok(spinUntil(() => peekExited() === dead.pid, 5000));
      // Taking a status from libuv is exactly what the reaper must never do; here the test does it on purpose.
      assert.equal(reapIfExited(dead.pid!), 'exited');
      assert.equal(readStat(dead.pid!), null, 'gone, not even a zombie');
      assert.equal(reapIfExited(dead.pid!), 'not-child');
      assert.equal(reapIfExited(1), 'not-child');
      assert.throws(() => reapIfExited(-1), /refusing/);
      assert.throws(() => reapIfExited(0), /refusing/);
    } finally {
      live.kill('SIGKILL');
    }
  });
});
