#!/usr/bin/env node
// Entry point installed as `dinit` (package.json bin). CommonJS on purpose: it
// loads the client entry (dist/lib/client.cjs, one file) without Node's ESM
// loader, so `dinit status` costs little more than Node's own start-up. Every
// other argv goes on to the full CLI (dist/lib/dinit.js, ESM). `npm run build`
// produces both.
'use strict';
const { join } = require('node:path');
const lib = join(__dirname, '..', 'dist', 'lib');
require(join(lib, 'client.cjs')).main(process.argv.slice(2), () => import(require('node:url').pathToFileURL(join(lib, 'dinit.js')).href));
