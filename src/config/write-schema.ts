// Regenerates schema/dinit.schema.json from the key table:
//   node .build/config/src/config/write-schema.js   (or dist/src/config/…)
// A test asserts the committed file equals jsonSchema(), so run this after
// changing keys.ts.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchema } from './schema.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dinit') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the dinit repository (package.json named "dinit") above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

const out = join(repoRoot(), 'schema', 'dinit.schema.json');
writeFileSync(out, JSON.stringify(jsonSchema(), null, 2) + '\n');
process.stdout.write(`wrote ${out}\n`);
