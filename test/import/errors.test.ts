// `dinit import` on input it cannot read: exit 2 and an error that says
// file:line:col and how to fix it, as `dinit check` does for dinit.yaml; and
// the command line's own rules (-o never overwrites without --force).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/dinit-process.js';

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'dinit-import-err-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a supervisord.conf line that is neither a setting nor a section is located, exit 2', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'supervisord.conf'), '[program:web]\ncommand = ./web\n  \nthis is not ini\n');
  const r = await runCli(['import', join(dir, 'supervisord.conf')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /supervisord\.conf:4:1: not a "key = value" line, a \[section\] header or a comment \(continuation lines must be indented/);
  assert.equal(r.stdout, '');
});

test('a lone % in a supervisord value points at its column, with the fix', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'supervisord.conf'), '[program:web]\ncommand = ./web --load 90%\n');
  const r = await runCli(['import', join(dir, 'supervisord.conf')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /supervisord\.conf:2:26: a lone % in a value \(write %% for a literal %/);
});

test('an included file with an error is located in that file', async (t) => {
  const dir = tmp(t);
  mkdirSync(join(dir, 'conf.d'));
  writeFileSync(join(dir, 'supervisord.conf'), '[include]\nfiles = conf.d/*.conf\n');
  writeFileSync(join(dir, 'conf.d', 'a.conf'), '[program:a]\ncommand = ./a %(nope)s\n');
  const r = await runCli(['import', join(dir, 'supervisord.conf')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /conf\.d\/a\.conf:2:11: unknown expansion %\(nope\)s/);
});

test('a Procfile line without "name: command" is located, exit 2', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'Procfile'), 'web: ./web\n  worker ./worker\n');
  const r = await runCli(['import', join(dir, 'Procfile')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /Procfile:2:3: not a "name: command" line/);
});

test('a process-compose.yaml YAML error and an unknown dependency are located', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'process-compose.yaml'), 'processes:\n  web:\n    command: "./web\n');
  let r = await runCli(['import', join(dir, 'process-compose.yaml')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /process-compose\.yaml:4:1: YAML syntax error: .* is a quote, \[ or \{ above it left open\?/);
  writeFileSync(join(dir, 'process-compose.yaml'), 'processes:\n  web:\n    command: ./web\n    depends_on:\n      dbb:\n        condition: process_healthy\n');
  r = await runCli(['import', join(dir, 'process-compose.yaml')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /process-compose\.yaml:5:7: depends on "dbb", which is not a process in this file/);
});

test('an s6-rc service with an unknown type is located in its type file', async (t) => {
  const dir = tmp(t);
  mkdirSync(join(dir, 's6-rc.d', 'web'), { recursive: true });
  writeFileSync(join(dir, 's6-rc.d', 'web', 'type'), 'longrunn\n');
  const r = await runCli(['import', dir]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /s6-rc\.d\/web\/type:1:1: unknown service type "longrunn" \(longrun, oneshot or bundle\)/);
});

test('-o refuses to overwrite a file without --force, and overwrites it with --force', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'Procfile'), 'web: ./web\n');
  const out = join(dir, 'dinit.yaml');
  writeFileSync(out, 'keep me\n');
  let r = await runCli(['import', join(dir, 'Procfile'), '-o', out]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /dinit\.yaml exists: add --force to overwrite it/);
  assert.equal(readFileSync(out, 'utf8'), 'keep me\n');
  r = await runCli(['import', join(dir, 'Procfile'), '-o', out, '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(readFileSync(out, 'utf8'), /^ {2}web:\n {4}command: \[sh, -c, \.\/web\]$/m);
  assert.match(r.stderr, /written to .*dinit\.yaml; every setting converted/);
});

test('a file of no known format asks for --from; an unknown --from is a usage error', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'services.txt'), 'just some text\n');
  let r = await runCli(['import', join(dir, 'services.txt')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot tell the format of .*services\.txt: give it with --from supervisord\|procfile\|process-compose\|s6/);
  r = await runCli(['import', join(dir, 'services.txt'), '--from', 'systemd']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--from systemd: not a format dinit imports/);
  r = await runCli(['import', join(dir, 'absent')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot read .*absent: no such file/);
});
