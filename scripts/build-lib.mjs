#!/usr/bin/env node
// The JavaScript dinit runs, bundled with esbuild from src/ (part of `npm run
// build`, after tsc has type-checked and compiled src/ and test/ to dist/):
//
//   dist/lib/client.cjs   the client entry (src/bin/client.ts): ONE small CommonJS file
//                         that runs a plain `dinit status` and routes the rest. `dinit
//                         status` reads and compiles this file and nothing else of dinit.
//   dist/lib/client-vX.Y.Z.cache, supervise-vX.Y.Z.cache
//                         V8's code caches for client.cjs and supervise.cjs for this Node,
//                         made after a real run of each (scripts/code-cache.cjs); the
//                         launcher compiles with them
//   dist/lib/client-verbs.cjs the other client verbs (src/bin/client-verbs.ts): ONE
//                         CommonJS file with the verbs that talk to a running supervisor.
//   dist/lib/supervise.cjs the supervisor's entry (src/bin/supervise.ts): ONE CommonJS
//                         file with `run`, the runtime, the config loader and yaml. A
//                         container's start-up reads it after client.cjs, and no ESM.
//   dist/lib/dinit.js     the full CLI (src/bin/dinit.ts), ESM, code-split so each verb
//                         loads only its own chunks (`run` the runtime and yaml, ...)
//   dist/lib/exec-as.js   the exec-as wrapper: spawn.ts finds it next to itself
//   dist/lib/*.js         shared chunks
//
// Why bundle at all: Node loads one ESM module per file, and each costs a
// resolution, a read and a compile. The supervisor loaded ~130 files (yaml's
// alone are ~70) and status ~15; measured (bench/, same run), bundling cut
// the supervisor's RSS by ~6 MiB and its start-up by ~50 ms.
//
// buildLib() is shared with scripts/bundle.mjs (the portable /opt/dinit).
// Usage: node scripts/build-lib.mjs [--out DIR]

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * What the client files must never contain: they are loaded by every client verb.
 * chalk may be in client-verbs.cjs: src/color.ts import()s it only when there is
 * colour to paint, which esbuild keeps lazy (a plain verb never runs its module code).
 */
export const CLIENT_FORBIDDEN = ['node_modules/yaml/', 'node_modules/js-yaml/', 'node_modules/koffi/', 'src/config/', 'src/runtime/', 'src/core/', 'src/log/', 'src/os/', 'src/control/server.ts'];
/** What the client entry must not contain either: every `dinit status` compiles it (each KiB ~0.02 ms, measured). */
export const CLIENT_ENTRY_FORBIDDEN = [...CLIENT_FORBIDDEN, 'node_modules/chalk/', 'src/cli/usage.ts', 'src/cli/logs.ts', 'src/cli/lifecycle.ts', 'src/bin/client-verbs.ts'];

export async function buildLib(outDir) {
  const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', external: ['koffi'], minifySyntax: true, legalComments: 'none', logLevel: 'warning', metafile: true };

  // 1. The full CLI. koffi stays external: it loads a native module found relative to its own files.
  // The CLI's lazy import()s stay dynamic, hence separate chunks, loaded only by the verbs that use them.
  const full = await build({
    ...common,
    entryPoints: { dinit: 'src/bin/dinit.ts', 'exec-as': 'src/os/exec-as.ts' },
    outdir: outDir,
    splitting: true,
    format: 'esm',
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    // Bundled CommonJS dependencies may call require(): give ESM output one.
    banner: { js: "import { createRequire as __dinitCreateRequire } from 'node:module'; const require = __dinitCreateRequire(import.meta.url);" },
  });
  // A dynamic import esbuild left unresolved would fail at run time, far from here: fail now
  // (a Node built-in, import()ed so it loads only when used, resolves anywhere).
  for (const file of Object.keys(full.metafile.outputs)) {
    const bad = readFileSync(join(root, file), 'utf8').match(/import\((?!"\.\/[\w-]+\.js"\)|"node:[\w/]+"\))[^)]*\)/g);
    if (bad) throw new Error(`${file}: dynamic import the bundle cannot follow: ${bad.join(', ')}`);
  }

  // 2. The supervisor's entry: one CommonJS file. Node's ESM loader and a chain of import()s
  // cost a container's start-up ~20-40 ms (bench, 50 services). import.meta.url is this file's URL.
  const supervise = await build({
    ...common,
    entryPoints: ['src/bin/supervise.ts'],
    outfile: join(outDir, 'supervise.cjs'),
    format: 'cjs',
    define: { 'import.meta.url': '__dinitFileUrl' },
    banner: { js: "const __dinitFileUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  if (supervise.warnings.length) throw new Error(`supervise.cjs: esbuild warnings: ${supervise.warnings.map((w) => w.text).join('; ')}`);

  // 3. The client: ONE small CommonJS file for the entry (a plain `dinit status` reads nothing
  // else), ONE more for the other client verbs. No splitting, and nothing heavy in either.
  const clientFile = async (entry, out, forbidden) => {
    const r = await build({ ...common, entryPoints: [entry], outfile: join(outDir, out), format: 'cjs' });
    if (r.warnings.length) throw new Error(`${out}: esbuild warnings (e.g. import.meta in CommonJS): ${r.warnings.map((w) => w.text).join('; ')}`);
    const inputs = Object.values(r.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
    const bad = inputs.filter((i) => forbidden.some((f) => i.includes(f)));
    if (bad.length) throw new Error(`${out} must not contain ${bad.join(', ')}: a client verb imports it (keep client verbs to src/cli + src/control/client)`);
    return { files: Object.keys(r.metafile.outputs), inputs };
  };
  const client = await clientFile('src/bin/client.ts', 'client.cjs', CLIENT_ENTRY_FORBIDDEN);
  const verbs = await clientFile('src/bin/client-verbs.ts', 'client-verbs.cjs', CLIENT_FORBIDDEN);
  // The launcher compiles client.cjs and supervise.cjs with vm.Script (for their code caches), which
  // has no loader for import(): a Node built-in loaded lazily is require()d (createRequire).
  for (const f of ['client.cjs', 'supervise.cjs']) {
    if (/\bimport\(/.test(readFileSync(join(outDir, f), 'utf8'))) throw new Error(`${f} must not contain import(): the launcher compiles it with vm.Script`);
  }
  return {
    files: [...Object.keys(full.metafile.outputs), ...Object.keys(supervise.metafile.outputs), ...client.files, ...verbs.files],
    clientInputs: { 'client.cjs': client.inputs, 'client-verbs.cjs': verbs.inputs },
  };
}

/**
 * The V8 code caches for client.cjs and supervise.cjs, made by scripts/code-cache.cjs after a real
 * run of each (see there). A separate step: the bundle makes them once its lib/ has koffi, with the
 * Node it ships. Without them dinit works the same, only slower to start (the launcher require()s),
 * so a failure here is a warning, not a failed install; the test suite checks they exist and fit.
 * Returns the paths of the caches made.
 */
export function makeCodeCaches(libDir) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'code-cache.cjs'), libDir], { stdio: ['ignore', 'inherit', 'inherit'] });
  const caches = ['client', 'supervise'].map((name) => join(libDir, `${name}-${process.version}.cache`));
  if (r.status === 0) return caches;
  process.stderr.write(`warning: no V8 code caches in ${libDir} (exit ${r.status ?? r.signal}): dinit works, but starts ~15 ms slower\n`);
  for (const c of caches) rmSync(c, { force: true });
  return [];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(root, 'dist', 'lib') } } });
  const { writeFileSync } = await import('node:fs');
  const out = resolve(values.out);
  rmSync(out, { recursive: true, force: true });
  const { clientInputs } = await buildLib(out);
  makeCodeCaches(out);
  // The test suite checks these lists (test/control/cli-startup.test.ts), one per client file.
  writeFileSync(join(out, 'client-inputs.json'), JSON.stringify(clientInputs, null, 2) + '\n');
}
