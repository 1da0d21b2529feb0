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
// before running saves nothing, these save ~1-2 ms (status) and ~18 ms (50
// services up). A cache fits only the Node (V8) that made it, hence the
// version in its name: under any other Node the launcher require()s the file.
//
//   node scripts/code-cache.cjs LIBDIR
//
// One real supervisor (not PID 1: it becomes a subreaper) of three services
// with dependencies, driven over its control socket through what containers
// do: wait until started; a `dinit status` in its own process (which writes
// the client's cache as it exits); status with the orphans; stop and start one
// service; stop all (what a shutdown runs, its last steps aside). Then the
// supervisor's cache is written and a shutdown request ends it. Exit 0 when
// both caches are written.
'use strict';
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');
const { spawn, spawnSync } = require('node:child_process');

const [lib, role, dir] = process.argv.slice(2);
if (!lib) throw new Error('usage: node scripts/code-cache.cjs LIBDIR');
const cacheOf = (name) => join(lib, `${name}-${process.version}.cache`);
/** Deadline of the whole run: the build goes on without caches rather than hang. */
const DEADLINE_MS = 20_000;
const NAMES = ['db', 'api', 'worker'];

/** The file compiled and run as the launcher does; the script is kept to make the cache from. */
function load(name) {
  const file = join(lib, `${name}.cjs`);
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, lib);
  return { script, exports: mod.exports };
}

/** A plain `dinit status` against the supervisor; the cache is written as it exits 0. */
function client(sock) {
  const { script, exports } = load('client');
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

/** An operation's result must say every service did what was asked. */
function done(verb, result) {
  if (!result.ok) throw new Error(`${verb}: ${JSON.stringify(result.failures)}`);
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

/** The client's run, in its own process (it ends with process.exit), while this supervisor answers. */
function statusRun(sock) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [__filename, lib, 'client', sock], { stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('error', reject);
    c.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`the status run ended with ${code ?? signal}`))));
  });
}

function supervisor() {
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
  (async () => {
    await connectWhenUp(sock);
    done('wait', await request(sock, 'wait', { names: NAMES, timeoutMs: DEADLINE_MS }));
    await statusRun(sock);
    await request(sock, 'status', { names: [], orphans: true });
    done('stop', await request(sock, 'stop', { names: ['worker'], wait: true }));
    done('start', await request(sock, 'start', { names: ['worker'], wait: true }));
    done('stop', await request(sock, 'stop', { names: NAMES, wait: true }));
    writeFileSync(cacheOf('supervise'), script.createCachedData());
    await request(sock, 'shutdown', {}); // the supervisor stops and exits 0
  })().catch((err) => {
    process.stderr.write(`code cache run: ${err.stack}\n`);
    process.kill(process.pid, 'SIGTERM'); // an orderly stop of whatever started
  });
  setTimeout(() => {
    process.stderr.write(`code cache run: no cache after ${DEADLINE_MS} ms\n`);
    process.kill(process.pid, 'SIGTERM');
  }, DEADLINE_MS).unref();
}

if (role === 'client') client(dir);
else if (role === 'supervisor') supervisor();
else {
  // The supervisor in its own process (it ends with _exit) and directory, removed here.
  for (const name of ['client', 'supervise']) rmSync(cacheOf(name), { force: true });
  const work = mkdtempSync(join(tmpdir(), 'dinit-cache-'));
  let r;
  try {
    r = spawnSync(process.execPath, [__filename, lib, 'supervisor', work], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 2 * DEADLINE_MS });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const name of ['client', 'supervise']) {
    let made = false;
    try {
      made = readFileSync(cacheOf(name)).length > 0;
    } catch {
      // not made: reported below
    }
    if (!made) {
      process.stderr.write(`${cacheOf(name)}: not made (the run ended with ${r.status ?? r.signal}): ${r.stderr}\n`);
      for (const n of ['client', 'supervise']) rmSync(cacheOf(n), { force: true });
      process.exit(1);
    }
  }
}
