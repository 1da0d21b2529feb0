// `dinit import` is a verb of the full CLI: listed in --help, with its own
// help, run by the installed launcher through the full CLI — and not part of
// the client files (dist/lib/client.cjs, client-verbs.cjs) that `dinit status` and the other client verbs load.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/dinit-process.js';
import { repoRoot } from '../helpers/paths.js';

test('dinit --help lists import, and dinit import --help shows its usage, options and examples', async () => {
  let r = await runCli(['--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {2}import +convert a supervisord, Procfile, process-compose or s6-overlay setup to dinit\.yaml$/m);
  r = await runCli(['import', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Usage: dinit import PATH \[--from supervisord\|procfile\|process-compose\|s6\] \[-o FILE\] \[--force\]$/m);
  assert.match(r.stdout, /^ {2}--force +overwrite FILE if it exists$/m);
});

test('the client bundles that dinit status and the client verbs load hold none of the importer', () => {
  const inputs = Object.values(JSON.parse(readFileSync(join(repoRoot, 'dist', 'lib', 'client-inputs.json'), 'utf8')) as Record<string, string[]>).flat();
  assert.ok(inputs.length > 0);
  assert.deepEqual(
    inputs.filter((i) => i.includes('src/import/') || i.includes('cli/import')),
    [],
  );
});

test('a missing PATH is a usage error (exit 2)', async () => {
  const r = await runCli(['import']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /dinit import: give the file or directory to import\n\(run 'dinit import --help' for usage\)/);
});
