#!/usr/bin/env node
// npm's `prepare`: build dist/lib (what bin/dinit.cjs runs) wherever dinit is
// installed from source:
//   - `npm install -g /path/to/checkout` (npm links the folder and runs this in it),
//   - `npm install -g git+URL` (npm clones, installs dev dependencies, runs this, packs),
//   - `npm ci` in a checkout, and `npm pack` (so the tarball is complete).
// A registry or tarball install already carries dist/lib and never runs it.
//
// A bare checkout (copied into an image, no node_modules) has neither the
// bundler nor, once linked, the runtime dependencies: install them from the
// lockfile first (`npm ci`, scripts off: this script is one), then bundle. Only
// the bundles are built (esbuild, from src/): the type-check and the tests are
// `npm run build`'s.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function haveEsbuild() {
  try {
    createRequire(join(root, 'package.json')).resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

function run(file, args, env = process.env) {
  const r = spawnSync(file, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!haveEsbuild()) {
  if (!existsSync(join(root, 'package-lock.json'))) {
    process.stderr.write('dinit: cannot build dist/lib: no node_modules and no package-lock.json here; run `npm install` in the checkout first.\n');
    process.exit(1);
  }
  process.stderr.write('dinit: building from a bare checkout: installing its dependencies (npm ci) first\n');
  // The npm running this script (npm_execpath), else the one on PATH.
  const npm = process.env.npm_execpath;
  const ci = ['ci', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund'];
  // Into this folder, whatever the outer install was (`npm install -g` passes global and prefix down).
  const env = { ...process.env, npm_config_global: 'false', npm_config_location: 'project' };
  delete env.npm_config_prefix;
  if (npm && npm.endsWith('.js')) run(process.execPath, [npm, ...ci], env);
  else run('npm', ci, env);
}
run(process.execPath, [join(root, 'scripts', 'build-lib.mjs')]);
