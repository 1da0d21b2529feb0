#!/usr/bin/env node
// How long, through the real binary, from a service becoming ready to its
// dependent being spawned — per readiness kind. Not a test: a measurement.
//
// Each run is one `dinit run` with two services: `ready` (the kind under
// test) and `dep` (depends-on ready), which is `date +%s.%N`, so the
// dependent's own first action is reading the clock (fork+exec of date: ~1 ms).
// The ready service prints `stamp T` (epoch ms, sub-ms) at the moment its
// condition holds: listening (tcp, http), file created (exec: test -e FILE),
// just before printing its ready line (log) or notifying (notify fd/systemd).
// For `none` (spawned = started) the ready service is `date` too, so the
// figure is spawn-to-spawn. Latency = dep's clock − ready's stamp; both sides
// read the same wall clock. The ready moment is put at a random point of the
// polling cycle (delay 300–500 ms), so polled kinds show their real spread.
//
//   node bench/ready-latency.mjs [--runs N] [--interval MS] [--kinds a,b,...]
// --interval sets `ready.interval` for polled kinds (default: dinit's default).
// Build first (npm run build): it runs bin/dinit.cjs → dist/lib.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dinit = join(root, 'bin', 'dinit.cjs');
const fixture = (name) => join(root, 'test', 'fixtures', 'bin', name);
const KINDS = ['none', 'tcp', 'http', 'exec', 'log', 'notify-fd', 'notify-systemd'];

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    interval: { type: 'string' },
    kinds: { type: 'string', default: KINDS.join(',') },
  },
});
const runs = Number(values.runs);
const kinds = values.kinds.split(',');
for (const k of kinds) if (!KINDS.includes(k)) throw new Error(`unknown kind ${k} (one of ${KINDS.join(', ')})`);

// Below the ephemeral range: a probe connecting again and again to a closed
// ephemeral port can, rarely, connect to itself (TCP simultaneous open).
async function freePort() {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const srv = createServer();
    const ok = await new Promise((r) => {
      srv.once('error', () => r(false));
      srv.listen(port, '127.0.0.1', () => r(true));
    });
    if (!ok) continue;
    await new Promise((r) => srv.close(r));
    return port;
  }
}

const node = (name, ...args) => JSON.stringify([process.execPath, fixture(name), ...args.map(String)]);
const interval = values.interval ? `, interval: ${values.interval}ms` : '';

/** The `ready` service's YAML lines for one kind. */
async function readyService(kind, dir, delay) {
  switch (kind) {
    case 'none':
      return `command: ${JSON.stringify(['sh', '-c', 'echo "stamp $(date +%s%N)"; exec sleep 600'])}`;
    case 'tcp': {
      const port = await freePort();
      return `command: ${node('stamp-ready.js', '--tcp', port, '--delay', delay)}\n    ready: { tcp: ${port}${interval} }`;
    }
    case 'http': {
      const port = await freePort();
      return `command: ${node('stamp-ready.js', '--http', port, '--delay', delay)}\n    ready: { http: "http://127.0.0.1:${port}/"${interval} }`;
    }
    case 'exec': {
      const file = join(dir, 'up');
      return `command: ${node('stamp-ready.js', '--file', file, '--delay', delay)}\n    ready: { exec: ${JSON.stringify(['test', '-e', file])}${interval} }`;
    }
    case 'log':
      return `command: ${node('ready-line.js', '--line', 'ready now', '--delay', delay, '--stamp')}\n    ready: { log: "^ready now$" }`;
    case 'notify-fd':
      return `command: ${node('notify-fd.js', '--delay', delay, '--stamp')}\n    ready: { notify: fd }`;
    case 'notify-systemd':
      return `command: ${node('notify-systemd.js', '--delay', delay, '--stamp')}\n    ready: { notify: systemd }`;
    default:
      throw new Error(kind);
  }
}

/** One dinit run: ms from `ready`'s stamp to `dep`'s first clock read. */
async function once(kind) {
  const dir = mkdtempSync(join(tmpdir(), 'dinit-latency-'));
  try {
    const delay = Math.round(300 + Math.random() * 200);
    const config = join(dir, 'dinit.yaml');
    writeFileSync(
      config,
      `services:
  ready:
    ${await readyService(kind, dir, delay)}
  dep:
    command: ["date", "+%s%N"]
    depends-on: [ready]
    restart: never
`,
    );
    const child = spawn(process.execPath, [dinit, 'run', '-c', config, '--socket', join(dir, 'sock')], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (text += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (text += c));
    const exited = new Promise((r) => child.on('close', r));
    const deadline = Date.now() + 15000;
    let stamp;
    let depAt;
    while (stamp === undefined || depAt === undefined) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${kind}: no result within 15s\n${text}`);
      }
      await new Promise((r) => setTimeout(r, 10));
      const s = /^ready\s*\| stamp ([\d.]+)$/m.exec(text);
      const d = /^dep\s*\| (\d{19})$/m.exec(text);
      // `date +%s%N` and the none stamp are epoch ns; the fixtures print epoch ms.
      if (s) stamp = s[1].includes('.') || s[1].length < 16 ? Number(s[1]) : Number(BigInt(s[1]) / 1000n) / 1000;
      if (d) depAt = Number(BigInt(d[1]) / 1000n) / 1000;
    }
    child.kill('SIGTERM');
    await exited;
    return depAt - stamp;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (ms) => ms.toFixed(1).padStart(7);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const rows = [];
for (const kind of kinds) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await once(kind));
  rows.push({ kind, samples });
  process.stderr.write(`${kind}: ${samples.map((s) => s.toFixed(1)).join(' ')}\n`);
}

const polled = new Set(['tcp', 'http', 'exec']);
console.log(`ready → dependent spawned, ms (${runs} runs each; polled kinds at interval ${values.interval ? values.interval + 'ms' : 'default'})`);
console.log('kind             median      min      max');
for (const { kind, samples } of rows) {
  const note = polled.has(kind) ? '  (polled)' : '';
  console.log(`${kind.padEnd(15)} ${fmt(median(samples))}  ${fmt(Math.min(...samples))}  ${fmt(Math.max(...samples))}${note}`);
}
