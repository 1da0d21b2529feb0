#!/usr/bin/env node
// `npm run bundle`: dinit as a self-contained directory, the layout of the
// portable bundle /opt/dinit (see docs/containers.md).
//
//   OUT/bin/dinit        launcher: `#!/opt/dinit/node/bin/node`, no shell needed
//   OUT/bin/package.json type commonjs: the launcher is CommonJS wherever it is
//   OUT/node/bin/node    a Node runtime (only with --with-node)
//   OUT/lib/client.cjs   the client entry in one small CommonJS file (all a plain `dinit status` loads)
//   OUT/lib/client-verbs.cjs the other client verbs (start, stop, logs, health, ...) in one more
//   OUT/lib/supervise.cjs the supervisor (run, runtime, config, yaml) in one CommonJS file
//   OUT/lib/*-vX.Y.Z.cache V8 code caches of client.cjs and supervise.cjs for the Node that built the bundle
//   OUT/lib/dinit.js     the full CLI (esbuild, ESM, code splitting so verbs stay lazy)
//   OUT/lib/exec-as.js   the exec-as wrapper: spawn.ts finds it next to itself
//   OUT/lib/*.js         shared chunks, in the same directory on purpose
//   OUT/lib/package.json name "dinit": `--version` and `schema` find the package root by it
//   OUT/lib/schema/      the JSON Schema
//   OUT/lib/node_modules koffi's JavaScript + its prebuilt native module for glibc and musl
//
// Why a launcher with an absolute shebang rather than a shell script: images
// that have no Node often have no /bin/sh either (distroless); the kernel
// follows a `#!` line itself. The price is a fixed location, /opt/dinit. A
// bundle placed elsewhere runs as `DIR/node/bin/node DIR/lib/dinit.js`.
//
// Usage: node scripts/bundle.mjs [--out DIR] [--with-node] [--prefix /opt/dinit]

import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildLib, makeCodeCaches } from './build-lib.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'dist', 'bundle') },
    prefix: { type: 'string', default: '/opt/dinit' },
    'with-node': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
const out = resolve(values.out);
const lib = join(out, 'lib');
const log = (msg) => values.quiet || console.log(msg);

rmSync(out, { recursive: true, force: true });
mkdirSync(lib, { recursive: true });

// 1. The JavaScript: the same build as `npm run build`'s dist/lib (scripts/build-lib.mjs).
const { files } = await buildLib(lib);

// 2. The package root: name and version (for --version), ESM for the .js files.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
writeFileSync(join(lib, 'package.json'), JSON.stringify({ name: pkg.name, version: pkg.version, description: pkg.description, license: pkg.license, type: 'module', private: true }, null, 2) + '\n');
cpSync(join(root, 'schema', 'dinit.schema.json'), join(lib, 'schema', 'dinit.schema.json'));

// 3. koffi: its JavaScript (no C sources, docs or headers) and the prebuilt native modules.
const modules = join(root, 'node_modules');
const keepJs = (src) => (statSync(src).isDirectory() ? !/\/(vendor|doc|lib)$/.test(src) : /\.(c?js|json)$|LICENSE/.test(src));
cpSync(join(modules, 'koffi'), join(lib, 'node_modules', 'koffi'), { recursive: true, filter: keepJs });
const natives = readdirSync(join(modules, '@koromix')).filter((d) => d.startsWith('koffi-linux-'));
if (natives.length === 0) throw new Error('no @koromix/koffi-linux-* package in node_modules: run npm ci');
for (const dir of natives) {
  const from = join(modules, '@koromix', dir);
  cpSync(from, join(lib, 'node_modules', '@koromix', dir), { recursive: true, filter: (src) => !src.endsWith('.md') });
  const triplets = readdirSync(from).filter((d) => existsSync(join(from, d, 'koffi.node')));
  log(`koffi native modules: ${dir} (${triplets.join(', ')})`);
}
// The code caches, made by running this lib/ (koffi included) with this Node, the one --with-node ships.
const caches = makeCodeCaches(lib);

// 4. The launcher and, optionally, the runtime it names. The launcher is bin/dinit.cjs's code (one
// home for it: the early signals, the code cache, the loaders), with this bundle's shebang and its
// lib directory next to bin/.
mkdirSync(join(out, 'bin'));
const launcher = readFileSync(join(root, 'bin', 'dinit.cjs'), 'utf8');
const code = launcher.slice(launcher.indexOf("'use strict';"));
const devLib = "join(__dirname, '..', 'dist', 'lib')";
if (!code.startsWith("'use strict';") || code.split(devLib).length !== 2) throw new Error(`bin/dinit.cjs: expected 'use strict' and one ${devLib} to make the bundle's launcher from`);
writeFileSync(
  join(out, 'bin', 'dinit'),
  `#!${values.prefix}/node/bin/node
// dinit's launcher in the portable bundle: the kernel runs the Node next to it
// (no shell needed). CommonJS (no package.json in scope, so an extensionless
// file loads as CommonJS on every Node version). The code below is
// bin/dinit.cjs's, with lib/ next to bin/.
${code.replace(devLib, "join(__dirname, '..', 'lib')")}`,
);
chmodSync(join(out, 'bin', 'dinit'), 0o755);
// The launcher is CommonJS wherever the bundle sits, even below a "type": "module" package.
writeFileSync(join(out, 'bin', 'package.json'), '{ "type": "commonjs" }\n');
if (values['with-node']) {
  mkdirSync(join(out, 'node', 'bin'), { recursive: true });
  cpSync(process.execPath, join(out, 'node', 'bin', 'node'));
  chmodSync(join(out, 'node', 'bin', 'node'), 0o755);
  log(`node runtime: ${process.execPath} (${process.version})`);
}

const libFiles = [...files.map((f) => relative(lib, join(root, f))), ...caches.map((f) => relative(lib, f))];
const size = (f) => statSync(join(lib, f)).size;
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
log(`bundle: ${out} — ${libFiles.length} files, ${kb(libFiles.reduce((s, f) => s + size(f), 0))} of JavaScript (dinit.js ${kb(size('dinit.js'))}, client.cjs ${kb(size('client.cjs'))})`);
