// ${VAR} in a command string is expanded after the string is split into words,
// as a POSIX shell expands parameters: the value is data inside its word, never
// quoting or escaping, and unquoted it splits on blanks only. Same for the
// command strings of ready.exec and health.exec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { splitWords } from '../../src/config/values.js';

const env = { Q: "it's", DQ: 'say "hi"', BS: 'a\\ b', TWO: 'x  y', EMPTY: '', PIPE: '|' };

const commandOf = (cmd: string, key = 'command'): string[] => {
  const yaml = key === 'command' ? `services:\n  s: { command: ${JSON.stringify(cmd)} }\n` : `services:\n  s: { command: [x], ${key}: { exec: ${JSON.stringify(cmd)} } }\n`;
  const s = parseConfig(yaml, '/x/dinit.yaml', env).services[0]!;
  if (key === 'command') return s.command;
  const probe = (key === 'ready' ? s.ready : s.health)?.probe;
  assert.equal(probe?.kind, 'exec');
  return probe.command;
};

test('a value holding a quote, a double quote or a backslash reaches the program literally inside its word', () => {
  assert.deepEqual(commandOf('echo ${Q}'), ['echo', "it's"]);
  assert.deepEqual(commandOf('echo "${DQ}"'), ['echo', 'say "hi"']);
  assert.deepEqual(commandOf("echo '${BS}'"), ['echo', 'a\\ b']);
  assert.deepEqual(commandOf('echo pre${Q}post'), ['echo', "preit'spost"]);
});

test('unquoted, a value splits on blanks only; quoted, it stays one word', () => {
  assert.deepEqual(commandOf('echo ${TWO}'), ['echo', 'x', 'y']);
  assert.deepEqual(commandOf('echo "${TWO}"'), ['echo', 'x  y']);
  assert.deepEqual(commandOf('echo ${DQ}'), ['echo', 'say', '"hi"']);
  assert.deepEqual(commandOf('echo ${BS}'), ['echo', 'a\\', 'b']);
});

test('an empty unquoted value makes no word; an empty quoted one makes an empty word', () => {
  assert.deepEqual(commandOf('echo ${EMPTY} z'), ['echo', 'z']);
  assert.deepEqual(commandOf('echo "${EMPTY}" z'), ['echo', '', 'z']);
});

test('a substituted shell operator is data, not refused as shell syntax', () => {
  assert.deepEqual(commandOf('echo ${PIPE}'), ['echo', '|']);
  assert.throws(() => commandOf('echo |'), ConfigError);
});

test('defaults and $$ work as before', () => {
  assert.deepEqual(commandOf('echo ${NOPE:-a b} $$HOME'), ['echo', 'a', 'b', '$HOME']);
});

test('ready.exec and health.exec strings follow the same rule', () => {
  assert.deepEqual(commandOf('check ${Q} "${DQ}"', 'ready'), ['check', "it's", 'say "hi"']);
  assert.deepEqual(commandOf('check ${Q} "${DQ}"', 'health'), ['check', "it's", 'say "hi"']);
});

test('a bad ${ in a command string is reported at the value with the usual hint', () => {
  assert.throws(
    () => commandOf('echo ${Q'),
    (e: ConfigError) => /services\.s\.command: unclosed "\$\{"/.test(e.message) && /\$\{NAME:-default\}/.test(e.message),
  );
});

test('splitWords without an environment leaves ${…} as written', () => {
  assert.deepEqual(splitWords('a ${X}').words, ['a', '${X}']);
});

test('many substitutions in one command string are bounded together, reported as a config error', () => {
  const big = { BIG: 'x'.repeat(64 * 1024) };
  const yaml = `services:\n  s: { command: ${JSON.stringify('echo ' + '${BIG} '.repeat(40))} }\n`;
  assert.throws(
    () => parseConfig(yaml, '/x/dinit.yaml', big),
    (e: unknown) => e instanceof ConfigError && /expanded command is longer than 128 KiB/.test(String((e as Error).message) + JSON.stringify(e)),
  );
  // Two of them fit.
  const ok = `services:\n  s: { command: ${JSON.stringify('echo ${BIG} ${BIG}')} }\n`;
  assert.equal(parseConfig(ok, '/x/dinit.yaml', big).services[0]!.command.length, 3);
});
