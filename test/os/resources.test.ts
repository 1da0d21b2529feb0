import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { ResourceSampler, pageSize, selfFigures } from '../../src/os/resources.js';
import { readStat } from '../../src/os/proc.js';

/** A service-like process: its own session and group, as dinit spawns services. */
function leader(script: string): ChildProcess {
  return spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
}

async function until<T>(what: string, get: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function kill(c: ChildProcess): void {
  try {
    process.kill(-c.pid!, 'SIGKILL');
  } catch {
    // gone
  }
}

describe('resource sampler', () => {
  it('the page size is a power of two the kernel uses (4 KiB to 64 KiB)', () => {
    assert.ok([4096, 16384, 65536].includes(pageSize()), String(pageSize()));
    const st = readStat(process.pid)!;
    assert.ok(st.rss > 0);
  });

  it('sums every process of the group and session, and leaves out one that left with setsid', async () => {
    // sh + two sleeps in the group; one more sleep in a session of its own.
    const c = leader('sleep 1000 & sleep 1000 & setsid sleep 1000 & wait');
    try {
      const sampler = new ResourceSampler({ minIntervalMs: 0 });
      const f = await until('three processes in the group', () => {
        const r = sampler.sample([c.pid!]).get(c.pid!);
        return r && r.processes === 3 ? r : undefined;
      });
      assert.ok(f.rssBytes > 3 * 100 * 1024, `rss ${f.rssBytes}`);
      assert.ok(f.cpuSeconds >= 0 && f.cpuPercent >= 0);
      // The setsid'ed sleep is out; sh and its two sleeps are in (and stay 3 on a later sample).
      assert.equal(sampler.sample([c.pid!]).get(c.pid!)?.processes, 3);
    } finally {
      kill(c);
    }
  });

  it('a busy service shows CPU time growing and a CPU% above an idle one', async () => {
    const busy = leader('while :; do :; done');
    const idle = leader('sleep 1000');
    try {
      const sampler = new ResourceSampler({ minIntervalMs: 0 });
      const first = await until('busy CPU time', () => {
        const f = sampler.sample([busy.pid!, idle.pid!]).get(busy.pid!);
        return f && f.cpuSeconds >= 0.05 ? f : undefined;
      });
      const later = await until('more busy CPU time', () => {
        const f = sampler.sample([busy.pid!, idle.pid!]);
        const b = f.get(busy.pid!);
        const i = f.get(idle.pid!);
        return b && i && b.cpuSeconds > first.cpuSeconds + 0.05 && b.cpuPercent > i.cpuPercent ? { b, i } : undefined;
      });
      assert.ok(later.i.cpuPercent < later.b.cpuPercent);
      assert.equal(later.i.cpuSeconds, 0);
    } finally {
      kill(busy);
      kill(idle);
    }
  });

  it('asks closer together than minIntervalMs share one sample; a leader with no process is absent', () => {
    let now = 0;
    const sampler = new ResourceSampler({ minIntervalMs: 500, now: () => now });
    const a = sampler.sample([process.pid]);
    now = 100;
    assert.equal(sampler.sample([process.pid]), a);
    now = 600;
    assert.notEqual(sampler.sample([process.pid]), a);
    assert.equal(sampler.sample([2 ** 22 + 1]).size, 0);
  });

  it("reports the supervisor's own figures", () => {
    const s = selfFigures();
    assert.ok(s.rssBytes > 0 && s.heapBytes > 0 && s.cpuUserSeconds > 0);
    assert.ok(s.openFds !== null && s.openFds >= 3);
    assert.ok(Math.abs(s.startTimeSeconds - (Date.now() / 1000 - process.uptime())) < 5);
  });
});
