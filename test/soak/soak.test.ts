// Soak: long runs that would show a leak as a slope. Not part of `npm test`
// (it takes minutes): `npm run test:soak` sets DINIT_SOAK=1 and runs this file.
//
// dinit runs with its heap capped (NODE_OPTIONS=--max-old-space-size=48), so
// lazy garbage collection cannot pass for a leak nor hide one: a leak would
// run into the cap and crash; a plateau under it is the evidence. We sample
// dinit's RSS (/proc/PID/status VmRSS) and open fds (/proc/PID/fd) at start,
// after a warm-up, at intervals and at the end, print them as diagnostics,
// and require the end to stay within a stated tolerance of the warm-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from '../../src/control/client.js';
import { makeTmpDir, startDinit, writeConfig, type DinitProcess } from '../helpers/dinit-process.js';
import { buildRoot } from '../helpers/paths.js';

const skip = process.env.DINIT_SOAK ? false : 'long: run with `npm run test:soak`';
const bin = join(buildRoot, 'src', 'bin', 'dinit.js');
const RESTARTS = Number(process.env.SOAK_RESTARTS ?? 10_000);
const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 100_000);
/** Allowed RSS growth from the warm-up sample to the end. */
const RSS_TOLERANCE_MB = 12;
/** Allowed change in open fds from the warm-up sample to the end (a restart in flight holds a few pipes). */
const FD_TOLERANCE = 6;

interface Sample {
  at: string;
  rssMb: number;
  fds: number;
}

/** RSS and open fds, once the fd count holds still for 100 ms (closed connections take a moment to go). */
async function sample(pid: number, at: string): Promise<Sample> {
  const fds = (): number => readdirSync(`/proc/${pid}/fd`).length;
  let n = fds();
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const m = fds();
    if (m === n) break;
    n = m;
  }
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { at, rssMb: Math.round(kb / 102.4) / 10, fds: n };
}

/** Wait until every service is started (the socket answers once dinit is up). */
async function allStarted(d: DinitProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const rows = await request(d.socket, 'status', { names: [] }, { timeoutMs: 1000 });
      if (rows.every((r) => r.state === 'started' || r.restarts > 0)) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`services did not start\n${d.dump()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function soakDinit(t: { after(fn: () => unknown): void }, yaml: string): Promise<DinitProcess> {
  const dir = makeTmpDir('dinit-soak-');
  const config = writeConfig(dir, yaml);
  return startDinit({ config, dir, t, bin, env: { NODE_OPTIONS: '--max-old-space-size=48' } });
}

function judge(samples: Sample[], diag: (m: string) => void): void {
  for (const s of samples) diag(`${s.at}: RSS ${s.rssMb} MB, ${s.fds} fds`);
  // The warm-up is the first 30%: RSS rises until V8's heap reaches its working
  // size under the cap (seen: 65 → 75 → 79 → 92 MB over the first 3000 of
  // 10,000 restarts at ~600/s, then 89–91 MB to the end). A leak shows as a
  // slope over the remaining 70%, or as a crash at the cap.
  const warm = samples[3]!;
  const end = samples[samples.length - 1]!;
  assert.ok(end.rssMb - warm.rssMb <= RSS_TOLERANCE_MB, `RSS grew ${(end.rssMb - warm.rssMb).toFixed(1)} MB after warm-up (tolerance ${RSS_TOLERANCE_MB} MB)`);
  assert.ok(Math.abs(end.fds - warm.fds) <= FD_TOLERANCE, `open fds went from ${warm.fds} to ${end.fds} (tolerance ${FD_TOLERANCE})`);
}

test(`soak: ${RESTARTS} restarts of a crashing service leave dinit's RSS and open fds flat`, { skip, timeout: 1_800_000 }, async (t) => {
  const d = await soakDinit(
    t,
    `services:
  crasher: { command: ["sh", "-c", "echo crash; exit 1"], restart-delay: 0, restart-limit: { count: 1000000000, interval: 1s } }
  steady: { command: "sleep 100000" }
`,
  );
  await allStarted(d);
  const restarts = async (): Promise<number> => (await request(d.socket, 'status', { names: ['crasher'] }, { timeoutMs: 5000 }))[0]!.restarts;
  const samples: Sample[] = [await sample(d.pid, 'start')];
  const step = RESTARTS / 10;
  for (let next = step; next <= RESTARTS; next += step) {
    const deadline = Date.now() + 600_000;
    while ((await restarts()) < next) {
      if (Date.now() > deadline) throw new Error(`stuck below ${next} restarts\n${d.lines().slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    samples.push(await sample(d.pid, `${await restarts()} restarts`));
  }
  const rows = await request(d.socket, 'status', { names: [] }, { timeoutMs: 5000 });
  assert.equal(rows.find((r) => r.name === 'steady')?.state, 'started');
  judge(samples, (m) => t.diagnostic(m));
});

test(`soak: ${REQUESTS} status requests leave dinit's RSS and open fds flat`, { skip, timeout: 1_800_000 }, async (t) => {
  const d = await soakDinit(t, `services:\n${Array.from({ length: 10 }, (_, i) => `  s${i}: { command: "sleep ${100000 + i}" }`).join('\n')}\n`);
  await allStarted(d);
  const samples: Sample[] = [await sample(d.pid, 'start')];
  const CONCURRENCY = 16;
  const step = REQUESTS / 10;
  let sent = 0;
  let slowest = 0;
  for (let next = step; next <= REQUESTS; next += step) {
    const worker = async (): Promise<void> => {
      while (sent < next) {
        sent++;
        const t0 = performance.now();
        const rows = await request(d.socket, 'status', { names: [] }, { timeoutMs: 5000 });
        slowest = Math.max(slowest, performance.now() - t0);
        assert.equal(rows.length, 10);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    samples.push(await sample(d.pid, `${next} requests`));
  }
  t.diagnostic(`slowest status reply: ${slowest.toFixed(1)} ms (${CONCURRENCY} clients at once)`);
  judge(samples, (m) => t.diagnostic(m));
});
