#!/usr/bin/env node
// V8 code caches for the two files a container runs most (part of `npm run
// build`, and of scripts/bundle.mjs for the bundled Node):
//
//   client-vX.Y.Z.cache     for client.cjs: every `dinit status`
//   supervise-vX.Y.Z.cache  for supervise.cjs: every start-up of a container
//
// Each is made the way the launcher (bin/dinit.cjs) compiles its file
// (Module.wrap, vm.Script) and AFTER running it for real, so the functions that
// run are in it compiled, not only the top level: measured, a cache made
// before running saves nothing, these save ~1-2 ms (status) and ~15 ms (50
// services up). A cache fits only the Node (V8) that made it, hence the
// version in its name: under any other Node the launcher require()s the file.
//
//   node scripts/code-cache.cjs LIBDIR
//
// client: a real `dinit status` against a stub supervisor (a socket answering
// the one request). supervisor: a real supervisor (not PID 1: it becomes a
// subreaper) of three `sleep` services with dependencies, driven over its
// control socket through what every container does: wait until started,
// status, stop and start one service, stop all (what a shutdown runs, its
// last steps aside); the cache is written before the shutdown request that
// ends it. Exit 0 when both caches are written.
'use strict';
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');
const { spawnSync } = require('node:child_process');

const [lib, role] = process.argv.slice(2);
if (!lib) throw new Error('usage: node scripts/code-cache.cjs LIBDIR');
const cacheOf = (name) => join(lib, `${name}-${process.version}.cache`);
/** Deadline of either run: the build fails rather than hang. */
const DEADLINE_MS = 20_000;

/** The file compiled and run as the launcher does; the script is kept to make the cache from. */
function load(name) {
  const file = join(lib, `${name}.cjs`);
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, lib);
  return { script, exports: mod.exports };
}

function client(dir) {
  const { script, exports } = load('client');
  const sock = join(dir, 'dinit.sock');
  const row = (name, over) => ({
    name,
    type: 'process',
    state: 'started',
    target: 'up',
    pid: 100,
    since: Date.now() - 192000,
    restarts: 0,
    ready: true,
    failed: false,
    exitCode: null,
    exitSignal: null,
    reason: null,
    statusText: null,
    health: null,
    cpuPercent: 0.5,
    rssBytes: 1 << 20,
    ...over,
  });
  const services = [row('web'), row('db', { state: 'stopped', pid: null, failed: true, reason: 'exited with code 1', exitCode: 1, cpuPercent: null, rssBytes: null })];
  const server = net.createServer((s) =>
    s.on('data', (d) => {
      const req = JSON.parse(String(d).split('\n')[0]);
      s.end(JSON.stringify({ v: req.v, id: req.id, ok: true, result: { services, orphans: [{ pid: 7, comm: 'sleep' }] } }) + '\n');
    }),
  );
  server.listen(sock, () => {
    const exit = process.exit;
    process.exit = (code) => {
      if (code !== 0) exit(1);
      writeFileSync(cacheOf('client'), script.createCachedData());
      exit(0);
    };
    const elsewhere = () => {
      throw new Error('the status run did not take the fast lane');
    };
    exports.main(['status', '--socket', sock], elsewhere, elsewhere, elsewhere);
  });
}

/** One request over a fresh connection; the reply's result (or a thrown error). */
function request(sock, verb, args) {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock);
    let buf = '';
    s.on('error', reject);
    s.on('connect', () => s.write(JSON.stringify({ v: 1, id: 1, verb, args }) + '\n'));
    s.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl === -1) return;
      s.destroy();
      const reply = JSON.parse(buf.slice(0, nl));
      if (reply.ok) resolve(reply.result);
      else reject(new Error(`${verb}: ${reply.error.message}`));
    });
  });
}

async function connectWhenUp(sock) {
  const until = Date.now() + DEADLINE_MS;
  for (;;) {
    try {
      return await request(sock, 'status', { names: [] });
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 10)); // the socket appears once the supervisor has read its config
    }
  }
}

function supervisor(dir) {
  const config = join(dir, 'dinit.yaml');
  const sock = join(dir, 'dinit.sock');
  writeFileSync(
    config,
    'services:\n' +
      '  db:\n    command: [sleep, "600"]\n' +
      '  api:\n    command: [sh, -c, "echo listening; exec sleep 600"]\n    depends-on: [db]\n    stop-timeout: 2s\n' +
      '  worker:\n    command: sleep 600\n    waits-for: [api]\n    environment:\n      QUEUE: jobs\n',
  );
  // The launcher's early-signal record, which the supervisor takes over.
  const early = { got: [], on: (sig) => early.got.push(sig) };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, early.on);
  globalThis[Symbol.for('dinit.early-signals')] = early;
  const { script, exports } = load('supervise');
  exports.main(['run', '-c', config, '--socket', sock]);
  const names = ['db', 'api', 'worker'];
  (async () => {
    await connectWhenUp(sock);
    const done = (verb, r) => {
      if (!r.ok) throw new Error(`${verb}: ${JSON.stringify(r.failures)}`);
    };
    done('wait', await request(sock, 'wait', { names, timeoutMs: DEADLINE_MS }));
    await request(sock, 'status', { names: [], orphans: true });
    done('stop', await request(sock, 'stop', { names: ['worker'], wait: true }));
    done('start', await request(sock, 'start', { names: ['worker'], wait: true }));
    // What a shutdown runs, but for its last steps: every service stopped, dependents first.
    done('stop', await request(sock, 'stop', { names, wait: true }));
    writeFileSync(cacheOf('supervise'), script.createCachedData());
    await request(sock, 'shutdown', {}); // the supervisor stops the three and exits 0
  })().catch((err) => {
    process.stderr.write(`supervise cache: ${err.stack}\n`);
    process.exitCode = 1;
    process.kill(process.pid, 'SIGTERM'); // an orderly stop of whatever started
  });
}

if (role) {
  const dir = process.argv[4];
  setTimeout(() => {
    process.stderr.write(`${role} cache: no cache after ${DEADLINE_MS} ms\n`);
    process.kill(process.pid, 'SIGTERM');
  }, DEADLINE_MS).unref();
  (role === 'client' ? client : supervisor)(dir);
} else {
  // Each in its own process (the supervisor ends its process with _exit, the client with process.exit)
  // and its own directory, removed here.
  for (const [name, run] of [
    ['client', 'client'],
    ['supervise', 'supervisor'],
  ]) {
    rmSync(cacheOf(name), { force: true });
    const dir = mkdtempSync(join(tmpdir(), 'dinit-cache-'));
    let r;
    try {
      r = spawnSync(process.execPath, [__filename, lib, run, dir], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 2 * DEADLINE_MS });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    let made = false;
    try {
      made = readFileSync(cacheOf(name)).length > 0;
    } catch {
      // not made: reported below
    }
    if (r.status !== 0 || !made) {
      process.stderr.write(`${cacheOf(name)}: the run that makes it failed (${r.status ?? r.signal}): ${r.stderr}\n`);
      process.exit(1);
    }
  }
}
