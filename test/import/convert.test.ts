// The importers' pieces, in-process: supervisord's INI dialect, its
// environment= syntax, execline recognition, `$` escaping, and the rule that
// decides what is converted: the key table of src/config/keys.ts, read at run
// time (a key dinit gains later is converted with no change to the importer).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SERVICE_SPEC } from '../../src/config/keys.js';
import { expandVars } from '../../src/config/expand.js';
import { literal } from '../../src/import/draft.js';
import { importConfig } from '../../src/import/index.js';
import { parseIni } from '../../src/import/ini.js';
import { plainExecline } from '../../src/import/s6.js';
import { parseEnvironment } from '../../src/import/supervisord-values.js';

test("supervisord's INI: inline comments after whitespace, continuation lines, key: value, case-insensitive keys", () => {
  const [s] = parseIni('[program:a]\nCommand = sh -c "a;b" ; run it\n  --flag   # more\nuser: www-data\n', 'x.conf');
  assert.equal(s?.entries.get('command')?.value, 'sh -c "a;b"\n--flag');
  assert.equal(s.entries.get('user')?.value, 'www-data');
  assert.deepEqual([s.entries.get('command')?.line, s.entries.get('command')?.col], [2, 11]);
});

test("supervisord's environment=: quoted values keep commas and spaces", () => {
  assert.deepEqual(parseEnvironment('A="1,2", B=\'x y\',C=plain'), { A: '1,2', B: 'x y', C: 'plain' });
  assert.equal(parseEnvironment('A=1,B'), '"B" has no =');
});

test('execline: a plain command line is its words; execline constructs are not plain', () => {
  assert.deepEqual(plainExecline('#!/command/execlineb -P\nwith-contenv\ns6-setuidgid www nginx -g "daemon off;"\n'), { words: ['nginx', '-g', 'daemon off;'], user: 'www' });
  assert.equal(plainExecline('foreground { echo hi }\nnginx'), undefined);
  assert.equal(plainExecline('importas -i PORT PORT\nserver $PORT'), undefined);
});

test('literal() makes dinit read ${X} and $$ as written', () => {
  for (const s of ['echo ${HOME}', 'kill $$', 'a $PORT b', '$']) {
    const r = expandVars(literal(s), { HOME: '/root' });
    assert.deepEqual(r, { ok: true, value: s });
  }
});

test('a key dinit lacks is a not-converted note; once the key table has it, the same input converts it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dinit-import-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'supervisord.conf'), '[program:w]\ncommand = ./w\nnumprocs = 2\nprocess_name = %(program_name)s_%(process_num)s\nexitcodes = 0,3\n');
  const keys = SERVICE_SPEC.keys;
  const run = (): ReturnType<typeof importConfig> => importConfig(join(dir, 'supervisord.conf'), { outFile: join(dir, 'dinit.yaml'), env: {} });
  const added = ['replicas', 'success-exit-codes'].filter((k) => !(k in keys));
  if (added.length === 2) {
    const before = run();
    assert.match(before.text, /# not converted: exitcodes = 0,3 \(dinit has no success-exit-codes\)/);
    // Without replicas, numprocs runs one service per process (named by process_name), grouped.
    assert.match(before.text, /^ {2}w_0:$/m);
  }
  const saved = { replicas: keys['replicas'], 'success-exit-codes': keys['success-exit-codes'] };
  keys['replicas'] ??= { kind: 'int', min: 1, description: 'test' };
  keys['success-exit-codes'] ??= { kind: 'command', description: 'test: a list of numbers' };
  try {
    const after = run();
    assert.match(after.text, /^ {4}replicas: 2$/m);
    assert.match(after.text, /^ {4}success-exit-codes: \[0, 3\]$/m);
    assert.doesNotMatch(after.text, /# not converted: /);
  } finally {
    // The real specs once keys.ts has them: a stand-in must not leak into later tests.
    for (const [k, spec] of Object.entries(saved)) {
      if (spec) keys[k] = spec;
      else delete keys[k];
    }
  }
});

test('a converted key the loader rejects in context is taken out and kept as a note with its reason', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dinit-import-reject-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'process-compose.yaml'), 'processes:\n  a:\n    command: ./a\n    availability: { exit_on_end: true }\n  b:\n    command: ./b\n    availability: { exit_on_end: true }\n');
  const r = importConfig(join(dir, 'process-compose.yaml'), { outFile: join(dir, 'dinit.yaml'), env: {} });
  assert.deepEqual(r.problems, []);
  assert.equal(r.text.match(/main: true/g)?.length, 1, r.text);
  assert.match(r.text, /# not converted: availability\.exit_on_end = true \(.*main/);
});
