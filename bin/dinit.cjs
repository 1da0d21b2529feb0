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
// client.cjs is compiled with V8's code cache (client-NODEVERSION.cache, which `npm run build`
// makes after running a `dinit status`): its functions come compiled, not parsed and compiled on
// first call (~1-2 ms of the ~8 ms a status adds to Node's start-up, measured). Without a cache
// for this Node, require() it (compiling with vm.Script and no cache is ~1 ms slower); a cache V8
// still rejects compiles as without one. client.cjs has no import() (the build checks).
function loadClient(lib) {
  const { readFileSync } = require('node:fs');
  const file = join(lib, 'client.cjs');
  let cachedData;
  try {
    cachedData = readFileSync(join(lib, `client-${process.version}.cache`));
  } catch {
    return require(file);
  }
  const script = new (require('node:vm').Script)(require('node:module').wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, lib);
  return module.exports;
}
loadClient(lib).main(
  argv,
  () => import(require('node:url').pathToFileURL(join(lib, 'dinit.js')).href),
  () => require(join(lib, 'supervise.cjs')).main(argv),
  () => require(join(lib, 'client-verbs.cjs')),
);
