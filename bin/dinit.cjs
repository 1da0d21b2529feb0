#!/usr/bin/env node
// Entry point installed as `dinit` (package.json bin). CommonJS on purpose: it
// loads the client entry (dist/lib/client.cjs, one small file) without Node's
// ESM loader, so `dinit status` costs little more than Node's own start-up. The
// supervisor's argvs go on to dist/lib/supervise.cjs (one more CommonJS file),
// the other client verbs to dist/lib/client-verbs.cjs (one more), every other
// to the full CLI (dist/lib/dinit.js, ESM). `npm run build` produces all four.
'use strict';
// First, before anything is loaded: as PID 1 an unhandled signal is discarded,
// so a `docker stop` during start-up would be lost. Record TERM/INT/HUP; the
// supervisor acts on them, other verbs give them back (src/early-signals.ts).
const early = { got: [], on: (sig) => early.got.push(sig) };
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, early.on);
globalThis[Symbol.for('dinit.early-signals')] = early;
const { join } = require('node:path');
const lib = join(__dirname, '..', 'dist', 'lib');
const argv = process.argv.slice(2);
// client.cjs and supervise.cjs are compiled with V8's code cache (NAME-NODEVERSION.cache, which
// `npm run build` makes after a real run of each: scripts/code-cache.cjs): their functions come
// compiled, not parsed and compiled on first call (measured: ~1-2 ms of the ~8 ms a status adds to
// Node's start-up; ~15 ms of a container's start-up with 50 services). Without a cache for this
// Node, require() the file (compiling with vm.Script and no cache is ~1 ms slower); a cache V8
// rejects compiles as without one. Neither file has an import() (the build checks).
function load(name) {
  const { readFileSync } = require('node:fs');
  const file = join(lib, `${name}.cjs`);
  let cachedData;
  try {
    cachedData = readFileSync(join(lib, `${name}-${process.version}.cache`));
  } catch {
    return require(file);
  }
  const script = new (require('node:vm').Script)(require('node:module').wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, lib);
  return module.exports;
}
load('client').main(
  argv,
  () => import(require('node:url').pathToFileURL(join(lib, 'dinit.js')).href),
  () => load('supervise').main(argv),
  () => require(join(lib, 'client-verbs.cjs')),
);
