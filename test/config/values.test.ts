import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration, parseSignal, parseSize, splitCommand } from '../../src/config/index.js';
import { parseUmask, splitWords } from '../../src/config/values.js';

test('durations accept ms, s, m, h, combinations and plain seconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration(' 3 '), 3000);
  assert.equal(parseDuration(2), 2000);
  assert.equal(parseDuration(0.25), 250);
  assert.equal(parseDuration(0), 0);
});

test('durations reject units they do not know, negatives and words', () => {
  for (const bad of ['fast', '10 sec', '-1s', '5d', '', 's', '1.s']) assert.equal(parseDuration(bad), undefined, bad);
  assert.equal(parseDuration(-1), undefined);
  assert.equal(parseDuration(Number.NaN), undefined);
});

test('durations format back to the shortest readable unit', () => {
  assert.equal(formatDuration(9000), '9s');
  assert.equal(formatDuration(120_000), '2m');
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(1500), '1.5s');
});

test('signals accept SIGTERM, TERM, lower case and numbers, and normalise to SIG names', () => {
  assert.equal(parseSignal('SIGTERM'), 'SIGTERM');
  assert.equal(parseSignal('TERM'), 'SIGTERM');
  assert.equal(parseSignal('term'), 'SIGTERM');
  assert.equal(parseSignal(15), 'SIGTERM');
  assert.equal(parseSignal('9'), 'SIGKILL');
  assert.equal(parseSignal('HUP'), 'SIGHUP');
});

test('signals that do not exist are rejected', () => {
  for (const bad of ['SIGFOO', 'TERMINATE', '', '999']) assert.equal(parseSignal(bad), undefined, bad);
  assert.equal(parseSignal(0), undefined);
  assert.equal(parseSignal(200), undefined);
});

test('sizes accept SI and binary units, bare k/m/g as binary, and plain bytes', () => {
  assert.equal(parseSize('10MB'), 10_000_000);
  assert.equal(parseSize('512KB'), 512_000);
  assert.equal(parseSize('1GiB'), 1024 ** 3);
  assert.equal(parseSize('1MiB'), 1024 ** 2);
  assert.equal(parseSize('10m'), 10 * 1024 ** 2);
  assert.equal(parseSize('2 kib'), 2048);
  assert.equal(parseSize('100'), 100);
  assert.equal(parseSize(4096), 4096);
  assert.equal(parseSize(0), 0);
  for (const bad of ['10XB', 'big', '-1', '']) assert.equal(parseSize(bad), undefined, bad);
  assert.equal(parseSize(1.5), undefined);
});

test('umasks are read as octal digits however they were written', () => {
  assert.equal(parseUmask('022'), 0o22);
  assert.equal(parseUmask('0o027'), 0o27);
  assert.equal(parseUmask('77'), 0o77);
  assert.equal(parseUmask('0777'), 0o777);
  for (const bad of ['999', '1777', 'abc', '']) assert.equal(parseUmask(bad), undefined, bad);
});

test('commands split on whitespace like a shell, without running one', () => {
  assert.deepEqual(splitCommand('node server.js'), ['node', 'server.js']);
  assert.deepEqual(splitCommand('  a \t b\n c  '), ['a', 'b', 'c']);
  assert.deepEqual(splitCommand(`redis-server --save ""`), ['redis-server', '--save', '']);
  assert.deepEqual(splitCommand(`echo 'a  b' "c d"`), ['echo', 'a  b', 'c d']);
  assert.deepEqual(splitCommand(`say it\\'s`), ['say', "it's"]);
  assert.deepEqual(splitCommand(`a\\ b`), ['a b']);
  assert.deepEqual(splitCommand(`x"y z"'w'`), ['xy zw']);
  assert.deepEqual(splitCommand(`"a \\"q\\" \\\\ \\$HOME \\n"`), ['a "q" \\ $HOME \\n']);
  assert.deepEqual(splitCommand(`'no \\escape'`), ['no \\escape']);
  assert.deepEqual(splitCommand('sh -c "echo $HOME"'), ['sh', '-c', 'echo $HOME']);
  assert.deepEqual(splitCommand('a \\\n b'), ['a', 'b']);
  assert.deepEqual(splitCommand(''), []);
});

test('commands with unbalanced quotes or a trailing backslash throw', () => {
  assert.throws(() => splitCommand(`echo 'oops`), /unbalanced single quote/);
  assert.throws(() => splitCommand(`echo "oops`), /unbalanced double quote/);
  assert.throws(() => splitCommand(`echo \\`), /trailing backslash/);
});

test('unquoted shell operators are noticed, quoted ones are plain words', () => {
  assert.deepEqual(splitWords('a | b > c 2>&1').shellSyntax, ['|', '>', '2>&1']);
  assert.deepEqual(splitWords('a && $(b)').shellSyntax, ['&&', '$(b)']);
  assert.deepEqual(splitWords(`grep '|' "&&" \\;`).shellSyntax, []);
});
