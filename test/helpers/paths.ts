// Where the repository is, whether tests run from dist/ or from a private
// .build/<area>/ output directory: the package.json named "dinit" above this
// file, found the way the CLI finds its own (src/cli/package-root.ts).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../src/cli/package-root.js';

export const repoRoot = packageRoot(fileURLToPath(import.meta.url));
/** Compiled JS root that holds this file (dist/ or .build/<area>/). */
export const buildRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
export const fixtureBin = (name: string): string => join(repoRoot, 'test', 'fixtures', 'bin', name);
