#!/usr/bin/env node
// Figures for the core and control work, measured (never asserted):
//  - demo: exec of dinit → every demo service started; dinit's RSS with the demo running
//  - status: median wall time of one `dinit status` next to `node -e 0`, alternating
//  - RSS of the supervisor before and after 1000 status requests
// Run after `npm run build`: node bench/core-figures.mjs
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'dinit.cjs');
const dir = mkdtempSync(join(tmpdir(), 'dinit-bench-'));
const socket = join(dir, 'dinit.sock');
const env = { ...process.env, NO_COLOR: '1', DINIT_SOCKET: socket, DB_PORT: '17401', API_PORT: '17402' };

const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function startDemo() {
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'run', '-c', join(root, 'dinit.yaml')], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('demo did not start:\n' + buf)), 20000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      if (/\[dinit\] all started/.test(buf)) {
        clearTimeout(timer);
        resolve({ child, ms: performance.now() - t0 });
      }
    });
  });
}

function time(cmd, args) {
  const t = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return performance.now() - t;
}

const { child, ms } = await startDemo();
console.log(`demo: exec of dinit → all 4 demo services started: ${ms.toFixed(0)} ms`);
await new Promise((r) => setTimeout(r, 1000));
console.log(`demo: dinit RSS with the demo running: ${(rss(child.pid) / 1024).toFixed(1)} MiB`);

const statusT = [];
const nodeT = [];
for (let i = 0; i < 15; i++) {
  nodeT.push(time(process.execPath, ['-e', '0']));
  statusT.push(time(process.execPath, [bin, 'status']));
}
const s = median(statusT);
const n = median(nodeT);
console.log(`control: dinit status median ${s.toFixed(1)} ms, node -e 0 median ${n.toFixed(1)} ms, ratio ${(s / n).toFixed(2)}`);

// 1000 status requests over the socket, 20 at a time, from this process.
const { request } = await import(join(root, 'dist/src/control/client.js'));
const before = rss(child.pid);
for (let i = 0; i < 50; i++) await Promise.all(Array.from({ length: 20 }, () => request(socket, 'status', { names: [] })));
await new Promise((r) => setTimeout(r, 500));
const after = rss(child.pid);
console.log(`control: supervisor RSS before 1000 status requests ${(before / 1024).toFixed(1)} MiB, after ${(after / 1024).toFixed(1)} MiB`);

child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
