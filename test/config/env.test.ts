import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandVars, parseEnvFile } from '../../src/config/index.js';

const env = { NAME: 'web', EMPTY: '', PORT: '80' };
const value = (s: string): string => {
  const r = expandVars(s, env);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
};

test('${VAR} expands from the given environment and unset ones expand to nothing', () => {
  assert.equal(value('svc-${NAME}:${PORT}'), 'svc-web:80');
  assert.equal(value('[${UNSET}]'), '[]');
});

test(':- defaults apply to unset and empty variables, - defaults only to unset ones', () => {
  assert.equal(value('${UNSET:-x}'), 'x');
  assert.equal(value('${EMPTY:-x}'), 'x');
  assert.equal(value('${EMPTY-x}'), '');
  assert.equal(value('${UNSET-x}'), 'x');
  assert.equal(value('${NAME:-x}'), 'web');
  assert.equal(value('${UNSET:-${NAME}-fallback}'), 'web-fallback');
  assert.equal(value('${UNSET:-}'), '');
});

test('$$ is a literal dollar and a bare $NAME is left for the shell', () => {
  assert.equal(value('cost $$5'), 'cost $5');
  assert.equal(value('$$${NAME}'), '$web');
  assert.equal(value('echo $HOME $'), 'echo $HOME $');
});

test('malformed ${ is an error with a hint, not kept silently', () => {
  for (const bad of ['${NAME', '${}', '${1X}', '${NAME:x}', 'a ${UNSET:-${B}']) {
    const r = expandVars(bad, env);
    assert.equal(r.ok, false, bad);
    assert.match(r.hint ?? '', /\$\{NAME:-default\}/);
  }
});

test('${VAR:?message} makes a variable required', () => {
  const r = expandVars('${TOKEN:?set the API token}', env);
  assert.deepEqual(r.ok ? null : r.error, 'required variable TOKEN is not set: set the API token');
  assert.equal(value('${NAME:?x}'), 'web');
});

test('env-files read KEY=VALUE lines with comments, quotes and export prefixes', () => {
  const text = ['# comment', '', 'A=1', 'export B = two words ', 'C="x \\"y\\"\\nz ${NAME}"  # trailing comment', "D='${NAME} raw'", 'E=${A}-${UNSET:-d}', 'F=has#hash # comment', 'G=', 'H="\\$NAME"'].join(
    '\n',
  );
  const r = parseEnvFile(text, '/x/.env', env);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.vars, { A: '1', B: 'two words', C: 'x "y"\nz web', D: '${NAME} raw', E: '1-d', F: 'has#hash', G: '', H: '$NAME' });
});

test('env-file problems are located in the env-file itself', () => {
  const r = parseEnvFile("OK=1\n  not a pair\nQ=\"open\nX=${BAD\nY='a' b", '/x/.env', env);
  assert.deepEqual(
    r.issues.map((i) => [i.pos.file, i.pos.line, i.pos.col, i.message]),
    [
      ['/x/.env', 2, 3, 'not a KEY=VALUE line'],
      ['/x/.env', 3, 3, 'Q: unclosed double quote'],
      ['/x/.env', 4, 3, 'X: unclosed "${" at character 1 of the value'],
      ['/x/.env', 5, 3, 'Y: unexpected text after the closing quote'],
    ],
  );
  assert.deepEqual(r.vars, { OK: '1' });
});

test('an env-file that doubles a variable on every line stops at the line that passes the bound, located', () => {
  const text = ['A=x', ...Array.from({ length: 40 }, () => 'A=${A}${A}')].join('\n');
  const r = parseEnvFile(text, '/x/.env', env);
  // 2^17 = 128 Ki characters still fits; the doubling on line 19 (2^18) does not.
  const first = r.issues[0];
  assert.ok(first, 'an issue is reported');
  assert.deepEqual([first.pos.file, first.pos.line, first.pos.col], ['/x/.env', 19, 3]);
  assert.match(first.message, /^A: the expanded value is longer than 128 KiB/);
  assert.equal(r.vars.A?.length, 2 ** 17);
});

test('expansion of a value is bounded, not a RangeError', () => {
  const big = 'y'.repeat(100 * 1024);
  const r = expandVars('${BIG}${BIG}', { BIG: big });
  assert.equal(r.ok, false);
});
