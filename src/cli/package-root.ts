// The installed package's root (the directory of the package.json named
// "dinit"), found from this file's location so it works from dist/, from a
// private build dir and from a global npm install alike. `--version` and
// `schema` read their files from there without loading any other code.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'dinit') return dir;
      } catch {
        /* not ours: keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find dinit's package.json above ${from}`);
    dir = up;
  }
}

export function readPackageJson(): { name: string; version: string } {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
}
