// `dinit import` on realistic inputs modeled on each tool's documentation:
// the YAML it writes is compared with a golden file, and must pass `dinit
// check`. Each input is copied to a private directory first (the output is
// checked where it would live, beside the input); that directory shows as
// <input> in the golden files.
//
// Regenerate the golden files after an intended change:
//   npm run build && DINIT_UPDATE_GOLDEN=1 node --test dist/test/import/golden.test.js
// and review the diff.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/dinit-process.js';
import { fixturesDir } from '../helpers/paths.js';

const inputs = join(fixturesDir, 'import');
const golden = join(inputs, 'golden');

interface Case {
  name: string;
  /** Directory under test/fixtures/import copied to the private directory. */
  dir: string;
  /** What to import, relative to the copy. */
  path: string;
  from?: string;
  exit: 0 | 1;
  /** Lines the stderr summary must hold. */
  summary: RegExp[];
}

const CASES: Case[] = [
  {
    name: 'supervisord-django',
    dir: 'supervisord/django',
    path: 'supervisord.conf',
    exit: 1,
    summary: [
      /^dinit import: 6 services from .*supervisord\.conf \(supervisord\); 7 settings not converted:$/m,
      /^ {2}celery_00: not converted: stdout_events_enabled = true \(dinit has no process communication events\)$/m,
    ],
  },
  {
    name: 'procfile-rails',
    dir: 'procfile/rails',
    path: '.',
    exit: 0,
    summary: [/^dinit import: 5 services from .*Procfile \(procfile\); every setting converted$/m],
  },
  {
    name: 'process-compose-app',
    dir: 'process-compose/app',
    path: 'process-compose.yaml',
    exit: 1,
    summary: [/\(process-compose\); \d+ settings not converted:$/m, /^ {2}api: not converted: shutdown\.command = \.\/bin\/api drain \(stop-command applies to scripted services only\)$/m],
  },
  {
    name: 's6-overlay',
    dir: 's6/overlay',
    path: '.',
    exit: 1,
    summary: [/\(s6\); 2 settings not converted:$/m, /^ {2}cron: not converted: run = .*cron\/run \(an execline script/m],
  },
  {
    name: 's6-legacy',
    dir: 's6/legacy',
    path: 'etc',
    from: 's6',
    exit: 1,
    summary: [/\(s6\); 3 settings not converted:$/m, /^ {2}app: not converted: run = .*\(the script calls s6-setuidgid/m],
  },
];

for (const c of CASES) {
  test(`import ${c.dir}: the YAML matches the golden file ${c.name}.yaml and passes dinit check`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dinit-import-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(join(inputs, c.dir), dir, { recursive: true });
    const r = await runCli(['import', c.path, ...(c.from ? ['--from', c.from] : [])], { cwd: dir });
    assert.equal(r.code, c.exit, r.stderr);
    for (const re of c.summary) assert.match(r.stderr, re);
    const text = r.stdout.split(dir).join('<input>');
    const file = join(golden, `${c.name}.yaml`);
    if (process.env.DINIT_UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, text);
    assert.equal(text, readFileSync(file, 'utf8'), `differs from ${file} (regenerate: DINIT_UPDATE_GOLDEN=1)`);
    // Every "not converted" of the summary is a comment in the YAML too.
    const listed = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('  ') && l.includes('not converted:'))
      .map((l) => l.replace(/^ {2}([^:\s]+: )?/, ''));
    for (const l of listed) assert.ok(r.stdout.includes(`# ${l}`), `not in the YAML as a comment: ${l}`);
    writeFileSync(join(dir, 'dinit.yaml'), r.stdout);
    const check = await runCli(['check', '-c', join(dir, 'dinit.yaml')], { cwd: dir });
    assert.equal(check.code, 0, check.stderr);
  });
}
